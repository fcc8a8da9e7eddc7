/**
 * READ DEFECT DATA (10) — SBC-4 §5.22, READ DEFECT DATA (12) — SBC-4 §5.23.
 * A virtual volume has no defects: we return the header alone with an empty list, in
 * the DEFECT LIST FORMAT requested, and PLISTV/GLISTV set when the P/G list was asked
 * for (the lists exist and are empty).
 */
import type { CommandContext } from '../command-context.js';
import type { ScsiResponse } from '../types.js';
import { cdbTooShort } from './common.js';
import { dataInResponse } from './data-in.js';

export function readDefectData10(ctx: CommandContext): ScsiResponse {
  const bad = cdbTooShort(ctx, 10);
  if (bad) return bad;
  const cdb = ctx.cmd.cdb;
  const b = Buffer.alloc(4);
  b[1] = cdb[2]! & 0x1f; // REQ_PLIST→PLISTV, REQ_GLIST→GLISTV, DEFECT LIST FORMAT
  b.writeUInt16BE(0, 2); // DEFECT LIST LENGTH
  return dataInResponse(b, cdb.readUInt16BE(7));
}

export function readDefectData12(ctx: CommandContext): ScsiResponse {
  const bad = cdbTooShort(ctx, 12);
  if (bad) return bad;
  const cdb = ctx.cmd.cdb;
  const b = Buffer.alloc(8);
  b[1] = cdb[1]! & 0x1f;
  b.writeUInt16BE(0, 2); // GENERATION CODE (0: not supported)
  b.writeUInt32BE(0, 4); // DEFECT LIST LENGTH
  return dataInResponse(b, cdb.readUInt32BE(6));
}
