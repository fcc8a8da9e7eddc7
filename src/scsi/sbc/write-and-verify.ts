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
import {
  blocksCovering,
  cdbTooShort,
  checkProtectField,
  checkRange,
  checkTransferLimit,
  deviceOp,
  firstDifference,
  invalidCdb,
  takeDataOut,
  writeBytes,
  writeProtected,
} from './common.js';
import { CDB_DECODERS } from './rw-cdb.js';

export function makeWriteAndVerifyHandler(cdbLength: 10 | 12 | 16) {
  const { len, decode } = CDB_DECODERS[cdbLength]!;
  return async function writeAndVerify(ctx: CommandContext): Promise<ScsiResponse> {
    const bad = cdbTooShort(ctx, len);
    if (bad) return bad;
    const { cdb } = ctx.cmd;
    const { lba, blocks, lenByte, flags } = decode(cdb);
    const lu = ctx.lu;
    const bytchk = (flags >> 1) & 3;
    const transferLength = blocks * lu.blockSize;
    const err =
      checkProtectField(cdb) ??
      (bytchk >= 2 ? invalidCdb(1, 2) : undefined) ??
      checkTransferLimit(lu, blocks, lenByte) ??
      checkRange(lu, lba, blocks) ??
      writeProtected(lu);
    if (err) return { ...err, transferLength };
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
