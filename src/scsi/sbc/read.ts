/**
 * READ (6), READ (10), READ (12), READ (16) — SBC-4 §5.15, §5.16, §5.17, §5.18.
 * One device read per command. DPO/FUA are accepted (the MODE SENSE DPOFUA bit is 1):
 * FUA on a read asks for data from the medium, which our devices always return since
 * they keep no separate read cache that could be stale.
 */
import type { CommandContext } from '../command-context.js';
import { GOOD } from '../sense.js';
import { Status, type ScsiResponse } from '../types.js';
import { cdbTooShort, checkProtectField, checkRange, checkTransferLimit, deviceOp } from './common.js';
import { CDB_DECODERS } from './rw-cdb.js';

/** Reads at least this large use the device's reusable buffers when it has them. */
const LEASE_MIN = 64 * 1024;

export function makeReadHandler(cdbLength: 6 | 10 | 12 | 16) {
  const { len, decode } = CDB_DECODERS[cdbLength]!;
  return async function read(ctx: CommandContext): Promise<ScsiResponse> {
    const bad = cdbTooShort(ctx, len);
    if (bad) return bad;
    const { cdb } = ctx.cmd;
    const { lba, blocks, lenByte } = decode(cdb);
    const lu = ctx.lu;
    // "If the device server does not support protection information ... RDPROTECT set to a non-zero value → INVALID FIELD IN CDB"
    const err = (cdbLength !== 6 ? checkProtectField(cdb) : undefined) ?? checkTransferLimit(lu, blocks, lenByte) ?? checkRange(lu, lba, blocks);
    if (err) return err;
    if (blocks === 0) return { ...GOOD, transferLength: 0 };
    const bytes = blocks * lu.blockSize;
    const dev = lu.device;
    if (dev.readLeased && bytes >= LEASE_MIN) {
      return deviceOp('MediumError', async () => {
        const lease = await dev.readLeased!(lba * lu.blockSize, bytes);
        return { status: Status.Good, dataIn: lease.data, transferLength: bytes, release: lease.release };
      });
    }
    return deviceOp('MediumError', async () => {
      const dataIn = await dev.read(lba * lu.blockSize, bytes);
      return { status: Status.Good, dataIn, transferLength: bytes };
    });
  };
}
