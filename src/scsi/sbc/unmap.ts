/**
 * UNMAP — SBC-4 §5.32 (parameter list §5.32.2).
 * Parameter list: UNMAP DATA LENGTH (2), UNMAP BLOCK DESCRIPTOR DATA LENGTH (2),
 * 4 reserved, then 16-byte descriptors (LBA 8, NUMBER OF LOGICAL BLOCKS 4, reserved 4).
 * - "A PARAMETER LIST LENGTH set to zero specifies that no data shall be transferred.
 *   This shall not be considered an error."
 * - A parameter list shorter than the 8-byte header → PARAMETER LIST LENGTH ERROR.
 * - More descriptors than MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT, or more blocks than
 *   MAXIMUM UNMAP LBA COUNT → INVALID FIELD IN PARAMETER LIST.
 * - "If the LBA plus the number of logical blocks exceeds the capacity of the medium,
 *   then the device server shall terminate the command with ... LOGICAL BLOCK ADDRESS
 *   OUT OF RANGE" — every descriptor is checked before anything is freed.
 * - ANCHOR=1 → INVALID FIELD IN CDB (ANC_SUP=0 in the Logical Block Provisioning VPD).
 * A zero-length descriptor is not an error. Freed blocks read back as zeros (LBPRZ=1).
 * Only thin LUs support UNMAP (LBPU=1); a thick LU answers INVALID COMMAND OPERATION CODE.
 */
import type { CommandContext } from '../command-context.js';
import { LIMITS } from '../limits.js';
import { checkCondition, GOOD } from '../sense.js';
import type { ScsiResponse } from '../types.js';
import { cdbTooShort, checkRange, deviceOp, invalidCdb, invalidParam, readU64, writeProtected } from './common.js';

export async function unmap(ctx: CommandContext): Promise<ScsiResponse> {
  const bad = cdbTooShort(ctx, 10);
  if (bad) return bad;
  const cdb = ctx.cmd.cdb;
  const lu = ctx.lu;
  const paramLen = cdb.readUInt16BE(7);
  // LBPU=0 on a thick LU: UNMAP is not supported there.
  if (!lu.thin) return { ...checkCondition('InvalidOpcode'), transferLength: paramLen };
  if (cdb[1]! & 0x01) return { ...invalidCdb(1, 0), transferLength: paramLen };
  if (paramLen === 0) return { ...GOOD, transferLength: 0 };
  const wp = writeProtected(lu);
  if (wp) return { ...wp, transferLength: paramLen };
  const data = (ctx.cmd.dataOut ?? Buffer.alloc(0)).subarray(0, paramLen);
  if (data.length < 8) return { ...checkCondition('ParameterListLengthError'), transferLength: paramLen };
  const bdLen = Math.min(data.readUInt16BE(2), data.length - 8);
  const count = Math.floor(bdLen / 16);
  if (count > LIMITS.maxUnmapDescriptors) return { ...invalidParam(2), transferLength: paramLen };
  const ranges: Array<{ lba: number; blocks: number }> = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    const off = 8 + i * 16;
    const lba = readU64(data, off);
    const blocks = data.readUInt32BE(off + 8);
    const oob = checkRange(lu, lba, blocks);
    if (oob) return { ...oob, transferLength: paramLen };
    total += blocks;
    if (blocks > 0) ranges.push({ lba, blocks });
  }
  if (total > LIMITS.maxUnmapLbaCount) return { ...invalidParam(8 + 8), transferLength: paramLen };
  const bs = lu.blockSize;
  return deviceOp('WriteError', async () => {
    for (const r of ranges) {
      await lu.lock.withRange(r.lba, r.blocks, () => lu.device.discard(r.lba * bs, r.blocks * bs));
    }
    return { ...GOOD, transferLength: paramLen };
  });
}
