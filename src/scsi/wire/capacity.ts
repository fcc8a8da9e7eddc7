/**
 * Capacity and provisioning parsers:
 *  - READ CAPACITY (16) parameter data: SBC-4 §5.21.2 (RETURNED LOGICAL BLOCK ADDRESS
 *    bytes 0–7 is the last LBA, LOGICAL BLOCK LENGTH 8–11, LBPME byte 14 bit 7, LBPRZ
 *    bit 6)
 *  - GET LBA STATUS parameter data: SBC-4 §5.7.2 (PARAMETER DATA LENGTH bytes 0–3 counts
 *    from byte 4; 16-byte LBA status descriptors from byte 8: STARTING LBA 0–7, NUMBER OF
 *    LOGICAL BLOCKS 8–11, PROVISIONING STATUS byte 12 bits 3:0)
 * Short data never throws.
 */
import { readU64 } from './bytes.js';

export interface ReadCapacity16 {
  blockSize: number;
  blockCount: number;
  /** Logical block provisioning management enabled (thin). */
  lbpme: boolean;
  /** Unmapped blocks read as zeros. */
  lbprz: boolean;
}

/** Undefined when the data is too short to hold the last LBA and the block length. */
export function parseReadCapacity16(d: Buffer): ReadCapacity16 | undefined {
  if (d.length < 12) return undefined;
  const flags = d[14] ?? 0;
  return { blockCount: readU64(d, 0) + 1, blockSize: d.readUInt32BE(8), lbpme: (flags & 0x80) !== 0, lbprz: (flags & 0x40) !== 0 };
}

/** PROVISIONING STATUS values (SBC-4 §5.7.2 Table 57). */
export const ProvisioningStatus = { Mapped: 0, Deallocated: 1, Anchored: 2 } as const;

export interface LbaStatusDescriptor {
  lba: number;
  blocks: number;
  /** 0 mapped, 1 deallocated, 2 anchored. */
  provisioning: number;
}

export function parseGetLbaStatus(d: Buffer): LbaStatusDescriptor[] {
  if (d.length < 8) return [];
  const end = Math.min(d.length, 4 + d.readUInt32BE(0));
  const out: LbaStatusDescriptor[] = [];
  for (let o = 8; o + 16 <= end; o += 16) out.push({ lba: readU64(d, o), blocks: d.readUInt32BE(o + 8), provisioning: d[o + 12]! & 0x0f });
  return out;
}
