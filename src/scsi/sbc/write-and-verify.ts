/**
 * WRITE AND VERIFY (10), (12), (16) — SBC-4 §5.45, §5.46, §5.47.
 * The data is written with FUA (it must be on the medium before it is verified), then
 * verified: BYTCHK 00b reads the blocks back (medium verification), 01b also compares
 * them byte for byte with the Data-Out; 10b and 11b are reserved → INVALID FIELD IN CDB.
 * A mismatch ends with MISCOMPARE / MISCOMPARE DURING VERIFY OPERATION (1Dh/00h).
 */
import type { CommandContext } from '../command-context.js';
import { checkCondition, GOOD } from '../sense.js';
import type { ScsiResponse } from '../types.js';
import { blocksCovering, deviceOp, firstDifference, takeDataOut, writeBytes } from './common.js';
import { rwPreamble, type RwRules } from './rw-preamble.js';

const WRITE_AND_VERIFY_RULES: RwRules = { writes: true, reservedBytchk: [2, 3], transferLength: (blocks, _b, bs) => blocks * bs };

export function makeWriteAndVerifyHandler(cdbLength: 10 | 12 | 16) {
  return async function writeAndVerify(ctx: CommandContext): Promise<ScsiResponse> {
    const p = rwPreamble(ctx, cdbLength, WRITE_AND_VERIFY_RULES);
    if ('response' in p) return p.response;
    const { lba, blocks, bytchk, transferLength } = p;
    const lu = ctx.lu;
    if (blocks === 0) return { ...GOOD, transferLength: 0 };
    const data = takeDataOut(ctx, transferLength);
    if (data.length === 0) return { ...GOOD, transferLength };
    const offset = lba * lu.blockSize;
    const covered = blocksCovering(lu, data.length);
    return deviceOp('WriteError', () =>
      lu.lock.withRange(lba, covered, async () => {
        await writeBytes(lu, offset, data, true);
        const back = (await lu.device.read(offset, covered * lu.blockSize)).subarray(0, data.length);
        if (bytchk === 1) {
          const at = firstDifference(back, data);
          if (at >= 0) return { ...checkCondition('MiscompareDuringVerify', { information: at }), transferLength };
        }
        return { ...GOOD, transferLength };
      }),
    );
  };
}
