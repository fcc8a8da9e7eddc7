/**
 * ORWRITE (16) — SBC-4 §5.9.
 * "the device server shall ... read the specified logical blocks, perform a bitwise OR
 * of the data read with the data transferred from the Data-Out Buffer, and write the
 * result" — done as one read and one write under the LU range lock. ORPROTECT ≠ 0 →
 * INVALID FIELD IN CDB (no protection information). DPO/FUA as for WRITE (16).
 */
import type { CommandContext } from '../command-context.js';
import { GOOD } from '../sense.js';
import type { ScsiResponse } from '../types.js';
import { blocksCovering, cdbTooShort, checkProtectField, checkRange, checkTransferLimit, deviceOp, takeDataOut, writeProtected } from './common.js';
import { decode16, FUA } from './rw-cdb.js';

/** target[i] |= src[i] for i < src.length (src.length ≤ target.length). */
function orInto(target: Buffer, src: Buffer): void {
  // 32-bit words where aligned; Buffers from the pool may be unaligned, so fall back per byte.
  if (target.byteOffset % 4 === 0 && src.byteOffset % 4 === 0 && src.length % 4 === 0) {
    const t = new Uint32Array(target.buffer, target.byteOffset, src.length / 4);
    const s = new Uint32Array(src.buffer, src.byteOffset, src.length / 4);
    for (let i = 0; i < t.length; i++) t[i]! |= s[i]!;
    return;
  }
  for (let i = 0; i < src.length; i++) target[i]! |= src[i]!;
}

export async function orWrite16(ctx: CommandContext): Promise<ScsiResponse> {
  const bad = cdbTooShort(ctx, 16);
  if (bad) return bad;
  const cdb = ctx.cmd.cdb;
  const { lba, blocks, lenByte, flags } = decode16(cdb);
  const lu = ctx.lu;
  const transferLength = blocks * lu.blockSize;
  const err = checkProtectField(cdb) ?? checkTransferLimit(lu, blocks, lenByte) ?? checkRange(lu, lba, blocks) ?? writeProtected(lu);
  if (err) return { ...err, transferLength };
  if (blocks === 0) return { ...GOOD, transferLength: 0 };
  const data = takeDataOut(ctx, transferLength);
  if (data.length === 0) return { ...GOOD, transferLength };
  const offset = lba * lu.blockSize;
  const fua = (flags & FUA) !== 0;
  const covered = blocksCovering(lu, data.length);
  return deviceOp('WriteError', () =>
    lu.lock.withRange(lba, covered, async () => {
      const medium = await lu.device.read(offset, covered * lu.blockSize);
      orInto(medium, data);
      await lu.device.write(offset, medium, { fua });
      return { ...GOOD, transferLength };
    }),
  );
}
