/**
 * COMPARE AND WRITE — SBC-4 §5.3.
 * CDB: byte 1 WRPROTECT/DPO/FUA, LBA bytes 2–9, NUMBER OF LOGICAL BLOCKS byte 13.
 * Data-Out: NUMBER OF LOGICAL BLOCKS of verify data followed by as many of write data.
 * "The device server shall ... perform the following as an uninterrupted series of
 * actions: 1) read the specified logical blocks; 2) transfer the specified number of
 * logical blocks from the Data-Out Buffer; 3) compare the data read from the medium to
 * the verify data; and 4) if the compared data matches, write the write data". The
 * read–compare–write runs under the LU range lock, which every writer of this package
 * also takes, so no WRITE can slip in between.
 * On a mismatch: MISCOMPARE / MISCOMPARE DURING VERIFY OPERATION, "the INFORMATION field
 * set to the offset from the start of the Data-Out Buffer to the first byte of data
 * that was not equal", and nothing is written.
 * NUMBER OF LOGICAL BLOCKS = 0 with no Data-Out is not an error; above MAXIMUM COMPARE AND WRITE LENGTH
 * → INVALID FIELD IN CDB. Data-Out of any length other than 2 × NLB blocks → INVALID
 * FIELD IN CDB (libiscsi CompareAndWrite InvalidDataOutSize).
 */
import type { CommandContext } from '../command-context.js';
import { LIMITS } from '../limits.js';
import { checkCondition, GOOD } from '../sense.js';
import type { ScsiResponse } from '../types.js';
import { cdbTooShort, checkProtectField, checkRange, deviceOp, firstDifference, invalidCdb, readU64, writeProtected } from './common.js';
import { FUA } from './rw-cdb.js';

export async function compareAndWrite(ctx: CommandContext): Promise<ScsiResponse> {
  const bad = cdbTooShort(ctx, 16);
  if (bad) return bad;
  const cdb = ctx.cmd.cdb;
  const lu = ctx.lu;
  const lba = readU64(cdb, 2);
  const blocks = cdb[13]!;
  const bytes = blocks * lu.blockSize;
  const transferLength = 2 * bytes;
  const err =
    checkProtectField(cdb) ??
    (blocks > LIMITS.maxCompareAndWriteBlocks ? invalidCdb(13) : undefined) ??
    checkRange(lu, lba, blocks) ??
    writeProtected(lu);
  if (err) return { ...err, transferLength };
  const d = ctx.cmd.dataOut;
  // Regression (libiscsi CompareAndWrite Simple, 256 blocks coded as NLB=0): Data-Out that
  // does not match 2 × NLB blocks is refused even when NLB is zero.
  if ((d?.length ?? 0) !== transferLength || ctx.cmd.expectedDataTransferLength !== transferLength) {
    return { ...invalidCdb(13), transferLength };
  }
  if (blocks === 0 || !d) return { ...GOOD, transferLength: 0 };
  const verify = d.subarray(0, bytes);
  const data = d.subarray(bytes);
  const fua = (cdb[1]! & FUA) !== 0;
  const offset = lba * lu.blockSize;
  return deviceOp('WriteError', () =>
    lu.lock.withRange(lba, blocks, async () => {
      const medium = await lu.device.read(offset, bytes);
      const at = firstDifference(medium, verify);
      if (at >= 0) return { ...checkCondition('Miscompare', { information: at }), transferLength };
      await lu.device.write(offset, data, { fua });
      return { ...GOOD, transferLength };
    }),
  );
}
