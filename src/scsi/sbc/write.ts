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
import { blocksCovering, deviceOp, takeDataOut, writeBytes } from './common.js';
import { FUA } from './rw-cdb.js';
import { rwPreamble, type RwRules } from './rw-preamble.js';

const WRITE_RULES: RwRules = { writes: true, transferLength: (blocks, _b, bs) => blocks * bs };

export function makeWriteHandler(cdbLength: 6 | 10 | 12 | 16) {
  return async function write(ctx: CommandContext): Promise<ScsiResponse> {
    const p = rwPreamble(ctx, cdbLength, WRITE_RULES);
    if ('response' in p) return p.response;
    const { lba, blocks, flags, transferLength } = p;
    const lu = ctx.lu;
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
