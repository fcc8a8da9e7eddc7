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
import { cdbTooShort, checkProtectField, checkRange, checkTransferLimit, deviceOp, firstDifference, invalidCdb, repeatPattern, takeDataOut } from './common.js';
import { CDB_DECODERS } from './rw-cdb.js';

export function makeVerifyHandler(cdbLength: 10 | 12 | 16) {
  const { len, decode } = CDB_DECODERS[cdbLength]!;
  return async function verify(ctx: CommandContext): Promise<ScsiResponse> {
    const bad = cdbTooShort(ctx, len);
    if (bad) return bad;
    const { cdb } = ctx.cmd;
    const { lba, blocks, lenByte, flags } = decode(cdb);
    const lu = ctx.lu;
    const bytchk = (flags >> 1) & 3;
    const transferLength = bytchk === 1 ? blocks * lu.blockSize : bytchk === 3 && blocks > 0 ? lu.blockSize : 0;
    const err =
      checkProtectField(cdb) ??
      (bytchk === 2 ? invalidCdb(1, 2) : undefined) ??
      checkTransferLimit(lu, blocks, lenByte) ??
      checkRange(lu, lba, blocks);
    if (err) return { ...err, transferLength };
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
