/**
 * VERIFY (10), VERIFY (12), VERIFY (16) — SBC-4 §5.34, §5.35, §5.36.
 * BYTCHK (byte 1 bits 2..1): 00b verify the medium only (no Data-Out: the blocks are
 * read back); 01b compare the Data-Out with the medium; 11b compare one block of
 * Data-Out with every block of the range; 10b is reserved → INVALID FIELD IN CDB.
 * On a mismatch: "the device server shall terminate the command with CHECK CONDITION
 * status with the sense key set to MISCOMPARE and the additional sense code set to
 * MISCOMPARE DURING VERIFY OPERATION", INFORMATION = offset of the first differing byte.
 */
import type { CommandContext } from '../command-context.js';
import { checkCondition, GOOD } from '../sense.js';
import type { ScsiResponse } from '../types.js';
import { deviceOp, firstDifference, repeatPattern, takeDataOut } from './common.js';
import { rwPreamble, type RwRules } from './rw-preamble.js';

/** BYTCHK 01b: one block of Data-Out per block; 11b: one block for the whole range; 00b: none. */
const VERIFY_RULES: RwRules = {
  writes: false,
  reservedBytchk: [2],
  transferLength: (blocks, bytchk, bs) => (bytchk === 1 ? blocks * bs : bytchk === 3 && blocks > 0 ? bs : 0),
};

export function makeVerifyHandler(cdbLength: 10 | 12 | 16) {
  return async function verify(ctx: CommandContext): Promise<ScsiResponse> {
    const p = rwPreamble(ctx, cdbLength, VERIFY_RULES);
    if ('response' in p) return p.response;
    const { lba, blocks, bytchk, transferLength } = p;
    const lu = ctx.lu;
    if (blocks === 0) return { ...GOOD, transferLength };
    let expected: Buffer | undefined;
    if (bytchk !== 0) {
      const taken = takeDataOut(ctx, transferLength);
      if (taken.length < transferLength && bytchk === 3) return { ...checkCondition('InvalidFieldInCommandInformationUnit'), transferLength };
      expected = bytchk === 3 ? repeatPattern(taken, blocks * lu.blockSize) : taken;
    }
    const compareBytes = expected ? expected.length : blocks * lu.blockSize;
    if (compareBytes === 0) return { ...GOOD, transferLength };
    const readBytes = Math.ceil(compareBytes / lu.blockSize) * lu.blockSize;
    return deviceOp('MediumError', async () => {
      const medium = (await lu.device.read(lba * lu.blockSize, readBytes)).subarray(0, compareBytes);
      if (expected) {
        const at = firstDifference(medium, expected);
        if (at >= 0) return { ...checkCondition('MiscompareDuringVerify', { information: at }), transferLength };
      }
      return { ...GOOD, transferLength };
    });
  };
}
