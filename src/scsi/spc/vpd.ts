/**
 * Vital product data pages (SPC-4 §7.8; SBC-4 §6.6): 00h supported pages, 80h unit
 * serial number, 83h device identification, 8Fh third-party copy (only when the opcode
 * table has EXTENDED COPY; its Supported Commands descriptor, SPC-4 §7.8.17.3, is built
 * from the table), B0h block limits, B1h block device characteristics, B2h logical
 * block provisioning. Page codes are listed in ascending order as SPC-4 §7.8.13 requires.
 */
import type { CoreContext, CoreLu } from '../core-context.js';
import { LIMITS } from '../limits.js';
import { WRITE_SAME_NO_ZERO_LENGTH } from '../sbc/write-same.js';
import { asciiField } from './util.js';

const BASE_VPD_PAGES = [0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2] as const;
/** Copy-manager commands reported in the third-party copy page. */
const COPY_OPCODES = [0x83, 0x84] as const;

export function supportedVpdPages(ctx: CoreContext): number[] {
  const pages: number[] = [...BASE_VPD_PAGES];
  if (ctx.target.serviceActionsOf(0x83) !== undefined) pages.push(0x8f);
  return pages.sort((a, b) => a - b);
}

function thirdPartyCopy(ctx: CoreContext): Buffer {
  const list: number[] = [];
  for (const op of COPY_OPCODES) {
    const sas = ctx.target.serviceActionsOf(op);
    if (sas === undefined) continue;
    list.push(op, sas.length, ...sas);
  }
  const bodyLen = (1 + list.length + 3) & ~3;
  const d = Buffer.alloc(4 + bodyLen);
  d.writeUInt16BE(0x0001, 0); // Supported Commands descriptor
  d.writeUInt16BE(bodyLen, 2);
  d[4] = list.length;
  Buffer.from(list).copy(d, 5);
  return page(0x8f, d);
}

/**
 * libiscsi's block-limits test treats an explicit MAXIMUM UNMAP LBA COUNT above 1 Mi
 * blocks as insane; advertise at most that (a smaller advertised limit is always safe).
 */

function page(code: number, body: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h[1] = code;
  h.writeUInt16BE(body.length, 2);
  return Buffer.concat([h, body]);
}

/** A designation descriptor (SPC-4 §7.8.6.1). */
function designator(opts: { codeSet: number; piv: boolean; assoc: number; type: number; protocol?: number }, value: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h[0] = ((opts.protocol ?? 0) << 4) | opts.codeSet;
  h[1] = (opts.piv ? 0x80 : 0) | (opts.assoc << 4) | opts.type;
  h[3] = value.length;
  return Buffer.concat([h, value]);
}

/** SCSI name string: UTF-8, null-terminated, padded to a multiple of 4 (SPC-4 §7.8.6.11). */
function nameString(s: string): Buffer {
  const raw = Buffer.from(s, 'utf8');
  const len = (raw.length + 1 + 3) & ~3;
  const b = Buffer.alloc(len);
  raw.copy(b);
  return b;
}

function u16pair(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(v & 0xffff, 2);
  return b;
}

const ISCSI = 0x5;

function deviceIdentification(ctx: CoreContext): Buffer {
  const lu = ctx.lu;
  const n = ctx.cmd.nexus;
  const t10 = Buffer.concat([asciiField(lu.identity.vendor, 8), Buffer.from(lu.identity.serial.replace(/[^\x20-\x7e]/g, ''), 'ascii')]);
  const descs = [
    designator({ codeSet: 1, piv: false, assoc: 0, type: 3 }, lu.identity.naa),
    designator({ codeSet: 2, piv: false, assoc: 0, type: 1 }, t10),
    designator({ codeSet: 3, piv: true, assoc: 1, type: 8, protocol: ISCSI }, nameString(n.targetPort)),
    designator({ codeSet: 1, piv: true, assoc: 1, type: 4, protocol: ISCSI }, u16pair(n.relativeTargetPortId)),
    designator({ codeSet: 1, piv: false, assoc: 1, type: 5 }, u16pair(n.targetPortGroupId)),
    designator({ codeSet: 3, piv: true, assoc: 2, type: 8, protocol: ISCSI }, nameString(n.targetName)),
  ];
  return page(0x83, Buffer.concat(descs));
}

function blockLimits(lu: CoreLu): Buffer {
  const b = Buffer.alloc(0x3c);
  const bs = lu.blockSize;
  const gran = Math.max(1, Math.floor(LIMITS.unmapGranularityBytes / bs));
  b[0] = WRITE_SAME_NO_ZERO_LENGTH ? 0x01 : 0x00; // WSNZ, as the SBC WRITE SAME handler behaves
  b[1] = Math.min(255, LIMITS.maxCompareAndWriteBlocks);
  b.writeUInt16BE(gran, 2); // OPTIMAL TRANSFER LENGTH GRANULARITY
  b.writeUInt32BE(Math.floor(LIMITS.maxTransferBytes / bs), 4);
  b.writeUInt32BE(Math.floor(LIMITS.optimalTransferBytes / bs), 8);
  b.writeUInt32BE(Math.floor(LIMITS.maxTransferBytes / bs), 12); // MAXIMUM PREFETCH LENGTH
  if (lu.thin) {
    b.writeUInt32BE(LIMITS.maxUnmapLbaCount, 16);
    b.writeUInt32BE(LIMITS.maxUnmapDescriptors, 20);
    b.writeUInt32BE(gran, 24);
  }
  b.writeBigUInt64BE(BigInt(LIMITS.maxWriteSameBlocks), 32);
  return page(0xb0, b);
}

function blockDeviceCharacteristics(): Buffer {
  const b = Buffer.alloc(0x3c);
  b.writeUInt16BE(0x0001, 0); // MEDIUM ROTATION RATE: non-rotating medium
  return page(0xb1, b);
}

function logicalBlockProvisioning(lu: CoreLu): Buffer {
  const b = Buffer.alloc(4);
  if (lu.thin) {
    b[1] = 0x80 | 0x40 | 0x20 | 0x04; // LBPU, LBPWS, LBPWS10, LBPRZ=001b
    b[2] = 0x02; // PROVISIONING TYPE: thin
  }
  return page(0xb2, b);
}

/** The page, or undefined for a page we do not have (→ INVALID FIELD IN CDB). */
export function vpdPage(ctx: CoreContext, code: number): Buffer | undefined {
  switch (code) {
    case 0x00:
      return page(0x00, Buffer.from(supportedVpdPages(ctx)));
    case 0x80:
      return page(0x80, Buffer.from(ctx.lu.identity.serial.replace(/[^\x20-\x7e]/g, ''), 'ascii'));
    case 0x83:
      return deviceIdentification(ctx);
    case 0x8f:
      return ctx.target.serviceActionsOf(0x83) !== undefined ? thirdPartyCopy(ctx) : undefined;
    case 0xb0:
      return blockLimits(ctx.lu);
    case 0xb1:
      return blockDeviceCharacteristics();
    case 0xb2:
      return logicalBlockProvisioning(ctx.lu);
    default:
      return undefined;
  }
}
