/**
 * PRE-FETCH (10), (16) — SBC-4 §5.11, §5.12.
 * "If the specified logical blocks were successfully transferred to the cache and ...
 * CONDITION MET ...; if the cache does not have sufficient capacity ... GOOD status."
 * We keep no target-side read cache (the host page cache of the backing file is not
 * ours to promise), so a valid PRE-FETCH ends GOOD, which libiscsi's PreFetch tests
 * expect. The range rules are those of READ: past the capacity → LBA OUT OF RANGE.
 */
import type { CommandContext } from '../command-context.js';
import { GOOD } from '../sense.js';
import type { ScsiResponse } from '../types.js';
import { cdbTooShort, checkRange, checkTransferLimit } from './common.js';
import { CDB_DECODERS } from './rw-cdb.js';

export function makePreFetchHandler(cdbLength: 10 | 16) {
  const { len, decode } = CDB_DECODERS[cdbLength]!;
  return function preFetch(ctx: CommandContext): ScsiResponse {
    const bad = cdbTooShort(ctx, len);
    if (bad) return bad;
    const { lba, blocks, lenByte } = decode(ctx.cmd.cdb);
    // MAXIMUM PREFETCH LENGTH (Block Limits VPD) equals MAXIMUM TRANSFER LENGTH.
    return checkTransferLimit(ctx.lu, blocks, lenByte) ?? checkRange(ctx.lu, lba, blocks) ?? GOOD;
  };
}
