/**
 * Shared checks of the SBC-4 block commands (SBC-4 §4.5 "Logical blocks", §5 command
 * descriptions): CDB field decoding, the LBA range rule, the MAXIMUM TRANSFER LENGTH
 * rule of the Block Limits VPD page (SBC-4 §6.6.4), Data-Out length policy, and
 * device-error mapping. Every function returns a value; nothing here throws.
 */
import type { CommandContext, LogicalUnitView } from '../command-context.js';
import { LIMITS } from '../limits.js';
import { checkCondition, type SenseReason } from '../sense.js';
import type { ScsiResponse } from '../types.js';
import { invalidCdb } from '../spc/util.js';

/** Field-pointer sense (SPC-4 §4.5.2.4.2), one definition for SPC and SBC handlers. */
export { invalidCdb, invalidParam } from '../spc/util.js';

/** A 64-bit LBA as a JS number; values above 2^53 saturate (they are out of range anyway). */
export function readU64(buf: Buffer, off: number): number {
  const v = buf.readBigUInt64BE(off);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

/** CDB shorter than its opcode needs: a malformed command, INVALID FIELD IN CDB. */
export function cdbTooShort(ctx: CommandContext, len: number): ScsiResponse | undefined {
  return ctx.cmd.cdb.length < len ? invalidCdb(0) : undefined;
}

/**
 * SBC-4 §4.5: "If the LOGICAL BLOCK ADDRESS field plus the TRANSFER LENGTH exceeds the
 * capacity ... the device server shall terminate the command with CHECK CONDITION status
 * with the sense key set to ILLEGAL REQUEST and the additional sense code set to LOGICAL
 * BLOCK ADDRESS OUT OF RANGE." A zero-length transfer at LBA > capacity is also out of range.
 */
export function checkRange(lu: LogicalUnitView, lba: number, blocks: number): ScsiResponse | undefined {
  if (lba > lu.blockCount || blocks > lu.blockCount - lba) return checkCondition('LbaOutOfRange');
  return undefined;
}

/** Largest transfer in blocks we accept (what Block Limits VPD MAXIMUM TRANSFER LENGTH says). */
export function maxTransferBlocks(lu: LogicalUnitView): number {
  return Math.floor(LIMITS.maxTransferBytes / lu.blockSize);
}

/** SBC-4 §6.6.4: a transfer length above MAXIMUM TRANSFER LENGTH → INVALID FIELD IN CDB. */
export function checkTransferLimit(lu: LogicalUnitView, blocks: number, lenByte: number): ScsiResponse | undefined {
  return blocks > maxTransferBlocks(lu) ? invalidCdb(lenByte) : undefined;
}

/**
 * RDPROTECT / WRPROTECT / VRPROTECT / ORPROTECT (bits 7..5 of byte 1): we have no
 * protection information (PROTECT=0 in INQUIRY), so SBC-4 §5.x: "If the logical unit
 * does not support protection information ... a non-zero value → INVALID FIELD IN CDB".
 */
export function checkProtectField(cdb: Buffer): ScsiResponse | undefined {
  return (cdb[1]! & 0xe0) !== 0 ? invalidCdb(1, 7) : undefined;
}

export function writeProtected(lu: LogicalUnitView): ScsiResponse | undefined {
  return lu.writeProtected ? checkCondition('WriteProtected') : undefined;
}

/**
 * Data-Out the command may use: the first `need` bytes of the gathered Data-Out.
 *
 * Policy when the initiator sent less than the CDB asks for (EDTL < SCSI transfer
 * length), FCP-4 option a) as libiscsi's iSCSIResiduals Write*Residuals expect: "process
 * the command normally except that data beyond the FCP_DL count shall not be requested
 * or transferred". The command acts on the bytes that arrived — possibly none, possibly
 * part of a block (written by read-modify-write, see writeBytes) — and ends GOOD; the
 * transport reports the overflow residual from transferLength.
 */
export function takeDataOut(ctx: CommandContext, need: number): Buffer {
  const d = ctx.cmd.dataOut ?? Buffer.alloc(0);
  return d.length > need ? d.subarray(0, need) : d;
}

/** Blocks touched by `bytes` bytes from a block boundary. */
export function blocksCovering(lu: LogicalUnitView, bytes: number): number {
  return Math.ceil(bytes / lu.blockSize);
}

/**
 * Write `data` at a block-aligned offset in one device call. A trailing partial block
 * (short Data-Out) is merged with the block's current contents first; the caller holds
 * the range lock over blocksCovering(data.length).
 */
export async function writeBytes(lu: LogicalUnitView, offset: number, data: Buffer, fua: boolean): Promise<void> {
  const bs = lu.blockSize;
  const tail = data.length % bs;
  if (tail === 0) return lu.device.write(offset, data, { fua });
  const whole = data.length - tail;
  const last = await lu.device.read(offset + whole, bs);
  data.copy(last, 0, whole);
  await lu.device.write(offset, whole === 0 ? last : Buffer.concat([data.subarray(0, whole), last]), { fua });
}

/** Run a device operation; a rejected promise becomes a sense value, never an exception. */
export async function deviceOp(reason: SenseReason, fn: () => Promise<ScsiResponse>): Promise<ScsiResponse> {
  try {
    return await fn();
  } catch {
    return checkCondition(reason);
  }
}

/** Index of the first differing byte of a and b (same length), or -1. */
export function firstDifference(a: Buffer, b: Buffer): number {
  if (a.equals(b)) return -1;
  // Narrow down in halves with Buffer.compare (native) before the final linear scan.
  let lo = 0;
  let hi = a.length;
  while (hi - lo > 64) {
    const mid = (lo + hi) >>> 1;
    if (Buffer.compare(a.subarray(lo, mid), b.subarray(lo, mid)) !== 0) hi = mid;
    else lo = mid;
  }
  for (let i = lo; i < hi; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** Fill a buffer of `bytes` with repeated copies of `pattern` (doubling copies, no per-block loop in JS). */
export function repeatPattern(pattern: Buffer, bytes: number): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  let filled = Math.min(pattern.length, bytes);
  pattern.copy(out, 0, 0, filled);
  while (filled < bytes) {
    const n = Math.min(filled, bytes - filled);
    out.copy(out, filled, 0, n);
    filled += n;
  }
  return out;
}

export function isAllZero(buf: Buffer): boolean {
  const zero = Buffer.alloc(Math.min(buf.length, 65536));
  for (let off = 0; off < buf.length; off += zero.length) {
    const n = Math.min(zero.length, buf.length - off);
    if (Buffer.compare(buf.subarray(off, off + n), zero.subarray(0, n)) !== 0) return false;
  }
  return true;
}
