/**
 * GET LBA STATUS — SBC-4 §5.7 (SERVICE ACTION IN (16) 9Eh / 12h).
 * "If the STARTING LOGICAL BLOCK ADDRESS field specifies an LBA that exceeds the
 * capacity of the medium, then the device server shall terminate the command with
 * CHECK CONDITION status with the sense key set to ILLEGAL REQUEST and the additional
 * sense code set to LOGICAL BLOCK ADDRESS OUT OF RANGE."
 * The first descriptor starts at the STARTING LBA; descriptors follow the device's
 * allocation map (mapped = 0h, deallocated = 1h) over a bounded window, as many as fit
 * in the ALLOCATION LENGTH.
 */
import type { CommandContext } from '../command-context.js';
import { checkCondition } from '../sense.js';
import type { ScsiResponse } from '../types.js';
import { cdbTooShort, deviceOp, readU64 } from './common.js';
import { ProvisioningStatus } from '../wire/index.js';
import { dataInResponse } from './data-in.js';

/** Bytes of the medium examined per command: bounds the work of one GET LBA STATUS. */
const WINDOW_BYTES = 1024 * 1024 * 1024;
const MAX_DESCRIPTOR_BLOCKS = 0xffffffff;

export async function getLbaStatus(ctx: CommandContext): Promise<ScsiResponse> {
  const bad = cdbTooShort(ctx, 16);
  if (bad) return bad;
  const cdb = ctx.cmd.cdb;
  const lba = readU64(cdb, 2);
  const alloc = cdb.readUInt32BE(10);
  const lu = ctx.lu;
  if (lba >= lu.blockCount) return checkCondition('LbaOutOfRange');
  const maxDescriptors = Math.max(1, Math.floor((Math.min(alloc, 1 << 20) - 8) / 16));
  const bs = lu.blockSize;
  const windowBlocks = Math.min(lu.blockCount - lba, Math.floor(WINDOW_BYTES / bs));
  return deviceOp('MediumError', async () => {
    const extents = await lu.device.allocationStatus(lba * bs, windowBlocks * bs);
    const descs: Buffer[] = [];
    for (const e of extents) {
      let start = e.offset / bs;
      let left = e.length / bs;
      while (left > 0 && descs.length < maxDescriptors) {
        const n = Math.min(left, MAX_DESCRIPTOR_BLOCKS);
        const d = Buffer.alloc(16);
        d.writeBigUInt64BE(BigInt(start), 0);
        d.writeUInt32BE(n, 8);
        d[12] = e.mapped ? ProvisioningStatus.Mapped : ProvisioningStatus.Deallocated;
        descs.push(d);
        start += n;
        left -= n;
      }
      if (descs.length >= maxDescriptors) break;
    }
    const head = Buffer.alloc(8);
    head.writeUInt32BE(4 + descs.length * 16, 0); // PARAMETER DATA LENGTH: bytes after this field
    return dataInResponse(Buffer.concat([head, ...descs]), alloc);
  });
}
