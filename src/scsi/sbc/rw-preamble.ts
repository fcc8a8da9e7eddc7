/**
 * The checks every READ/WRITE-family CDB goes through before it touches the medium, in
 * the order SBC-4 reports them: CDB length, the PROTECT field (SBC-4 §5.2.2: "If the
 * logical unit does not support protection information ... and the PROTECT field is set
 * to a non-zero value, then the device server shall terminate the command ... INVALID
 * FIELD IN CDB"), a reserved BYTCHK, the transfer length limit, the LBA range (LOGICAL
 * BLOCK ADDRESS OUT OF RANGE), and write protection for writes. Shared by WRITE, WRITE
 * AND VERIFY and VERIFY.
 */
import type { CommandContext } from '../command-context.js';
import type { ScsiResponse } from '../types.js';
import { cdbTooShort, checkProtectField, checkRange, checkTransferLimit, invalidCdb, writeProtected } from './common.js';
import { CDB_DECODERS } from './rw-cdb.js';

export interface RwRules {
  /** Write protection applies (the command writes). */
  readonly writes: boolean;
  /** BYTCHK values the command reserves (INVALID FIELD IN CDB, byte 1 bit 2). */
  readonly reservedBytchk?: readonly number[];
  /** Data-Out bytes the command transfers for `blocks` and its BYTCHK. */
  transferLength(blocks: number, bytchk: number, blockSize: number): number;
}

export interface RwRequest {
  readonly lba: number;
  readonly blocks: number;
  readonly flags: number;
  readonly bytchk: number;
  readonly transferLength: number;
}

/** The decoded request, or the response that ends the command (with its transfer length). */
export function rwPreamble(ctx: CommandContext, cdbLength: 6 | 10 | 12 | 16, rules: RwRules): RwRequest | { readonly response: ScsiResponse } {
  const { len, decode } = CDB_DECODERS[cdbLength]!;
  const bad = cdbTooShort(ctx, len);
  if (bad) return { response: bad };
  const { cdb } = ctx.cmd;
  const { lba, blocks, lenByte, flags } = decode(cdb);
  const lu = ctx.lu;
  const bytchk = (flags >> 1) & 3;
  const transferLength = rules.transferLength(blocks, bytchk, lu.blockSize);
  const err =
    (cdbLength !== 6 ? checkProtectField(cdb) : undefined) ??
    (rules.reservedBytchk?.includes(bytchk) ? invalidCdb(1, 2) : undefined) ??
    checkTransferLimit(lu, blocks, lenByte) ??
    checkRange(lu, lba, blocks) ??
    (rules.writes ? writeProtected(lu) : undefined);
  if (err) return { response: { ...err, transferLength } };
  return { lba, blocks, flags, bytchk, transferLength };
}
