/**
 * READ CAPACITY (10) — SBC-4 §5.20, READ CAPACITY (16) — SBC-4 §5.21 (SERVICE ACTION IN
 * (16) 9Eh / 10h).
 * (10): "If the number of logical blocks exceeds the maximum value that is able to be
 * specified in the RETURNED LOGICAL BLOCK ADDRESS field, the device server shall set
 * the RETURNED LOGICAL BLOCK ADDRESS field to FFFF_FFFFh."
 * (16): no protection information (PROT_EN=0, P_TYPE=0, P_I_EXPONENT=0); on a thin LU
 * logical block provisioning management is enabled (LBPME=1, matching LBPU/LBPWS/LBPWS10
 * in the Logical Block Provisioning VPD page) and LBPRZ=1 (a deallocated block reads back
 * as zeros, the BlockDevice discard() contract); a thick LU reports LBPME=0 and refuses
 * UNMAP. One logical block per physical block (exponent 0: libiscsi's
 * GetLBAStatus UnmapSingle assumes LBPPB=1) and lowest aligned LBA 0.
 */
import type { CommandContext, LogicalUnitView } from '../command-context.js';
import type { ScsiResponse } from '../types.js';
import { cdbTooShort } from './common.js';
import { dataInResponse } from './data-in.js';

/** LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT we report (and the VPD pages must agree with). */
export const PHYSICAL_BLOCK_EXPONENT = 0;

export function readCapacity10(ctx: CommandContext): ScsiResponse {
  const bad = cdbTooShort(ctx, 10);
  if (bad) return bad;
  const b = Buffer.alloc(8);
  const last = ctx.lu.blockCount - 1;
  b.writeUInt32BE(last > 0xfffffffe ? 0xffffffff : Math.max(last, 0), 0);
  b.writeUInt32BE(ctx.lu.blockSize, 4);
  return dataInResponse(b, 8);
}

export function readCapacity16Data(lu: LogicalUnitView): Buffer {
  const b = Buffer.alloc(32);
  b.writeBigUInt64BE(BigInt(Math.max(lu.blockCount - 1, 0)), 0);
  b.writeUInt32BE(lu.blockSize, 8);
  b[12] = 0; // P_TYPE, PROT_EN
  b[13] = PHYSICAL_BLOCK_EXPONENT & 0x0f; // P_I_EXPONENT=0 | LBPPBE
  b[14] = lu.thin ? 0x80 | 0x40 : 0; // LBPME | LBPRZ | LOWEST ALIGNED LBA (high bits) = 0
  b[15] = 0;
  return b;
}

export function readCapacity16(ctx: CommandContext): ScsiResponse {
  const bad = cdbTooShort(ctx, 16);
  if (bad) return bad;
  const alloc = ctx.cmd.cdb.readUInt32BE(10);
  return dataInResponse(readCapacity16Data(ctx.lu), alloc);
}
