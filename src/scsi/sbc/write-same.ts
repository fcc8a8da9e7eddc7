/**
 * WRITE SAME (10) — SBC-4 §5.48, WRITE SAME (16) — SBC-4 §5.49.
 * - NUMBER OF LOGICAL BLOCKS = 0: the Block Limits VPD page reports WSNZ=1 ("the device
 *   server does not support a value of zero in the NUMBER OF LOGICAL BLOCKS field"), so
 *   zero → INVALID FIELD IN CDB. With WRITE_SAME_NO_ZERO_LENGTH = false it would mean
 *   "to the last logical block" (both sides read this one constant).
 *   More than MAXIMUM WRITE SAME LENGTH blocks → INVALID FIELD IN CDB.
 * - UNMAP=1 on a thick LU (LBPWS=0, LBPWS10=0) → INVALID FIELD IN CDB.
 * - UNMAP=1 with a pattern of zeros (or NDOB=1): the range is deallocated with
 *   device.discard(); LBPRZ=1 guarantees it reads back as the zeros written. With a
 *   non-zero pattern the blocks are written (SBC-4 §4.7.3.4: the device server may
 *   only unmap if reads return the pattern).
 * - ANCHOR=1 → INVALID FIELD IN CDB (ANC_SUP=0). LBDATA/PBDATA (obsolete) → INVALID FIELD.
 * - NDOB=1 (16 only): "no Data-Out Buffer": the pattern is zeros.
 * - Otherwise exactly one logical block of Data-Out is required; any other Data-Out
 *   length → INVALID FIELD IN CDB (libiscsi WriteSame*InvalidDataOutSize).
 * The pattern is written in large chunks (a few MiB per device call), never per block.
 */
import type { CommandContext } from '../command-context.js';
import { LIMITS } from '../limits.js';
import { GOOD } from '../sense.js';
import type { ScsiResponse } from '../types.js';
import { cdbTooShort, checkProtectField, checkRange, deviceOp, invalidCdb, isAllZero, repeatPattern, writeProtected } from './common.js';
import { CDB_DECODERS } from './rw-cdb.js';

/** WSNZ of the Block Limits VPD page (SBC-4 §6.6.4); spc/vpd.ts should read it from here. */
export const WRITE_SAME_NO_ZERO_LENGTH = true;

const CHUNK_BYTES = 4 * 1024 * 1024;
const UNMAP = 0x08;
const ANCHOR = 0x10;
const NDOB = 0x01;
const LBDATA_PBDATA = 0x06;

export function makeWriteSameHandler(cdbLength: 10 | 16) {
  const { len, decode } = CDB_DECODERS[cdbLength]!;
  return async function writeSame(ctx: CommandContext): Promise<ScsiResponse> {
    const bad = cdbTooShort(ctx, len);
    if (bad) return bad;
    const { cdb } = ctx.cmd;
    const { lba, blocks: coded, lenByte, flags } = decode(cdb);
    const lu = ctx.lu;
    const ndob = cdbLength === 16 && (flags & NDOB) !== 0;
    const transferLength = ndob ? 0 : lu.blockSize;
    const fail = (r: ScsiResponse): ScsiResponse => ({ ...r, transferLength });
    const fieldErr =
      checkProtectField(cdb) ??
      ((flags & ANCHOR) !== 0 ? invalidCdb(1, 4) : undefined) ??
      ((flags & LBDATA_PBDATA) !== 0 ? invalidCdb(1, 2) : undefined) ??
      (cdbLength === 10 && (flags & NDOB) !== 0 ? invalidCdb(1, 0) : undefined) ??
      ((flags & UNMAP) !== 0 && !lu.thin ? invalidCdb(1, 3) : undefined) ??
      (coded === 0 && WRITE_SAME_NO_ZERO_LENGTH ? invalidCdb(lenByte) : undefined);
    if (fieldErr) return fail(fieldErr);
    if (lba > lu.blockCount) return fail(checkRange(lu, lba, 0)!);
    const blocks = coded === 0 ? lu.blockCount - lba : coded;
    if (blocks > LIMITS.maxWriteSameBlocks) return fail(invalidCdb(lenByte));
    const err = checkRange(lu, lba, blocks) ?? writeProtected(lu);
    if (err) return fail(err);
    let pattern: Buffer;
    if (ndob) {
      pattern = Buffer.alloc(lu.blockSize);
    } else {
      const d = ctx.cmd.dataOut;
      if (!d || d.length !== lu.blockSize || ctx.cmd.expectedDataTransferLength !== lu.blockSize) return fail(invalidCdb(lenByte));
      pattern = d;
    }
    if (blocks === 0) return { ...GOOD, transferLength };
    const bs = lu.blockSize;
    const deallocate = (flags & UNMAP) !== 0 && (ndob || isAllZero(pattern));
    return deviceOp('WriteError', () =>
      lu.lock.withRange(lba, blocks, async () => {
        if (deallocate) {
          await lu.device.discard(lba * bs, blocks * bs);
          return { ...GOOD, transferLength };
        }
        const total = blocks * bs;
        const chunk = repeatPattern(pattern, Math.min(total, Math.max(bs, CHUNK_BYTES - (CHUNK_BYTES % bs))));
        for (let done = 0; done < total; done += chunk.length) {
          const n = Math.min(chunk.length, total - done);
          await lu.device.write(lba * bs + done, n === chunk.length ? chunk : chunk.subarray(0, n));
        }
        return { ...GOOD, transferLength };
      }),
    );
  };
}
