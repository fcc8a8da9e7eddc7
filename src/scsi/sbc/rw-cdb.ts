/**
 * Decoding of the LBA / TRANSFER LENGTH layout shared by READ, WRITE, WRITE AND VERIFY,
 * VERIFY, ORWRITE, PRE-FETCH, SYNCHRONIZE CACHE and WRITE SAME CDBs
 * (SBC-4 §5.15–5.19 READ, §5.40–5.44 WRITE; §4.2.2 CDB formats).
 */
import { readU64 } from './common.js';

export interface RwCdb {
  lba: number;
  /** TRANSFER LENGTH (or VERIFICATION / PREFETCH / NUMBER OF LOGICAL BLOCKS) as coded. */
  blocks: number;
  /** Byte offset of the length field in the CDB (for the sense field pointer). */
  lenByte: number;
  /** Byte 1 flags (protect field, DPO, FUA, …); 0 for 6-byte CDBs. */
  flags: number;
}

/** 10-byte layout: LBA bytes 2–5, length bytes 7–8. */
export function decode10(cdb: Buffer): RwCdb {
  return { lba: cdb.readUInt32BE(2), blocks: cdb.readUInt16BE(7), lenByte: 7, flags: cdb[1]! };
}

/** 12-byte layout: LBA bytes 2–5, length bytes 6–9. */
export function decode12(cdb: Buffer): RwCdb {
  return { lba: cdb.readUInt32BE(2), blocks: cdb.readUInt32BE(6), lenByte: 6, flags: cdb[1]! };
}

/** 16-byte layout: LBA bytes 2–9, length bytes 10–13. */
export function decode16(cdb: Buffer): RwCdb {
  return { lba: readU64(cdb, 2), blocks: cdb.readUInt32BE(10), lenByte: 10, flags: cdb[1]! };
}

/**
 * 6-byte READ/WRITE (SBC-4 §5.16, §5.41): 21-bit LBA; "A TRANSFER LENGTH field set to
 * zero specifies that 256 logical blocks shall be read/written."
 */
export function decode6(cdb: Buffer): RwCdb {
  const lba = ((cdb[1]! & 0x1f) << 16) | cdb.readUInt16BE(2);
  const len = cdb[4]!;
  return { lba, blocks: len === 0 ? 256 : len, lenByte: 4, flags: 0 };
}

export const CDB_DECODERS: Record<number, { len: number; decode: (cdb: Buffer) => RwCdb }> = {
  6: { len: 6, decode: decode6 },
  10: { len: 10, decode: decode10 },
  12: { len: 12, decode: decode12 },
  16: { len: 16, decode: decode16 },
};

export const DPO = 0x10;
export const FUA = 0x08;
