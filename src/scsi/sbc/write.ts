/**
 * WRITE (6), WRITE (10), WRITE (12), WRITE (16) — SBC-4 §5.40, §5.41, §5.42, §5.43.
 * One device write per command, under the LU range lock so that COMPARE AND WRITE and
 * ORWRITE stay atomic against plain writes (SBC-4 §5.3). FUA=1 → device.write(…, {fua}):
 * "the device server shall write the logical blocks to the medium ... before returning
 * GOOD status". DPO is a cache-retention hint and is accepted and ignored.
 */
import type { CommandContext } from '../command-context.js';
import { GOOD } from '../sense.js';
import type { ScsiResponse } from '../types.js';
import { blocksCovering, cdbTooShort, checkProtectField, checkRange, checkTransferLimit, deviceOp, takeDataOut, writeBytes, writeProtected } from './common.js';
import { CDB_DECODERS, FUA } from './rw-cdb.js';

export function makeWriteHandler(cdbLength: 6 | 10 | 12 | 16) {
  const { len, decode } = CDB_DECODERS[cdbLength]!;
  return async function write(ctx: CommandContext): Promise<ScsiResponse> {
    const bad = cdbTooShort(ctx, len);
    if (bad) return bad;
    const { cdb } = ctx.cmd;
    const { lba, blocks, lenByte, flags } = decode(cdb);
    const lu = ctx.lu;
    const transferLength = blocks * lu.blockSize;
    const err =
      (cdbLength !== 6 ? checkProtectField(cdb) : undefined) ??
      checkTransferLimit(lu, blocks, lenByte) ??
      checkRange(lu, lba, blocks) ??
      writeProtected(lu);
    if (err) return { ...err, transferLength };
    if (blocks === 0) return { ...GOOD, transferLength: 0 };
    const data = takeDataOut(ctx, transferLength);
    if (data.length === 0) return { ...GOOD, transferLength };
    const fua = (flags & FUA) !== 0;
    return deviceOp('WriteError', () =>
      lu.lock.withRange(lba, blocksCovering(lu, data.length), async () => {
        await writeBytes(lu, lba * lu.blockSize, data, fua);
        return { ...GOOD, transferLength };
      }),
    );
  };
}
