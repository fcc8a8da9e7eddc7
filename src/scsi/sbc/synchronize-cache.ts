/**
 * SYNCHRONIZE CACHE (10), (16) — SBC-4 §5.24, §5.25.
 * "NUMBER OF LOGICAL BLOCKS set to zero specifies that all logical blocks starting with
 * the one specified in the LOGICAL BLOCK ADDRESS field to the last logical block on the
 * medium shall be synchronized." A range past the capacity → LBA OUT OF RANGE.
 * Our devices only offer a whole-device flush (fdatasync), which covers any range.
 * IMMED=1 permits returning before the flush completes; we always wait for it, which
 * the standard allows and keeps the durability contract simple.
 */
import type { CommandContext } from '../command-context.js';
import { GOOD } from '../sense.js';
import type { ScsiResponse } from '../types.js';
import { cdbTooShort, checkRange, deviceOp } from './common.js';
import { CDB_DECODERS } from './rw-cdb.js';

export function makeSynchronizeCacheHandler(cdbLength: 10 | 16) {
  const { len, decode } = CDB_DECODERS[cdbLength]!;
  return async function synchronizeCache(ctx: CommandContext): Promise<ScsiResponse> {
    const bad = cdbTooShort(ctx, len);
    if (bad) return bad;
    const { lba, blocks } = decode(ctx.cmd.cdb);
    const lu = ctx.lu;
    const err = checkRange(lu, lba, blocks);
    if (err) return err;
    return deviceOp('WriteError', async () => {
      await lu.device.flush();
      return GOOD;
    });
  };
}
