/**
 * RESERVE(6)/(10) and RELEASE(6)/(10) (SPC-2 §7.21–§7.24, §5.5.1), held per I_T nexus.
 * "If ... the logical unit is reserved by another I_T nexus, the device server shall
 * return RESERVATION CONFLICT"; a RELEASE from a nexus that holds no reservation
 * "shall not be considered an error" (GOOD, nothing released). Third-party and extent
 * reservations are not supported (INVALID FIELD IN CDB).
 *
 * Interplay with persistent reservations (SPC-4 §5.13.3, CRH=1 in REPORT CAPABILITIES):
 * while a persistent reservation exists, RESERVE and RELEASE from its holder complete
 * with GOOD and do nothing; from anyone else they conflict.
 */
import type { CommandContext } from '../command-context.js';
import { core, type CoreLu } from '../core-context.js';
import { isHolder } from '../pr/pr-state.js';
import { GOOD } from '../sense.js';
import { Status, type ScsiResponse } from '../types.js';
import { cdbByte, invalidCdb } from './util.js';

const CONFLICT: ScsiResponse = Object.freeze({ status: Status.ReservationConflict });

function prGate(lu: CoreLu, nexus: { initiatorPort: string; targetPort: string }): ScsiResponse | undefined {
  if (!lu.prState.reservation) return undefined;
  return isHolder(lu.prState, nexus) ? GOOD : CONFLICT;
}

function reserve(ctx: CommandContext<CoreLu>, ten: boolean): ScsiResponse {
  const c = core(ctx);
  const cdb = c.cmd.cdb;
  if (ten ? cdbByte(cdb, 1) & 0x12 : cdbByte(cdb, 1) & 0x1f) return invalidCdb(1); // 3RDPTY / LONGID / extents
  const gate = prGate(c.lu, c.cmd.nexus);
  if (gate) return gate;
  const holder = c.lu.spc2Holder;
  if (holder !== undefined && holder !== c.cmd.nexus.id) return CONFLICT;
  c.lu.spc2Reserve(c.cmd.nexus.id);
  return GOOD;
}

function release(ctx: CommandContext<CoreLu>, ten: boolean): ScsiResponse {
  const c = core(ctx);
  const cdb = c.cmd.cdb;
  if (ten ? cdbByte(cdb, 1) & 0x12 : cdbByte(cdb, 1) & 0x1f) return invalidCdb(1);
  const gate = prGate(c.lu, c.cmd.nexus);
  if (gate) return gate;
  c.lu.spc2Release(c.cmd.nexus.id);
  return GOOD;
}

export const reserve6 = (ctx: CommandContext<CoreLu>): ScsiResponse => reserve(ctx, false);
export const reserve10 = (ctx: CommandContext<CoreLu>): ScsiResponse => reserve(ctx, true);
export const release6 = (ctx: CommandContext<CoreLu>): ScsiResponse => release(ctx, false);
export const release10 = (ctx: CommandContext<CoreLu>): ScsiResponse => release(ctx, true);
