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
 *
 * The holder is LU state (lu-state.ts): it is saved before GOOD, serialised with every
 * other change of it, so a reservation a host was granted is one the controller taking
 * over knows (docs/ha.md «LU state belongs to the array»). A controller that may not
 * change it (it no longer owns the volume) answers NOT READY, ASYMMETRIC ACCESS STATE
 * TRANSITION, which hosts retry.
 */
import type { CommandContext } from '../command-context.js';
import { core, type CoreLu } from '../core-context.js';
import { isHolder } from '../pr/pr-state.js';
import { commitResponse as committed } from '../lu-state.js';
import { GOOD } from '../sense.js';
import { Status, type ScsiResponse } from '../types.js';
import { cdbByte, invalidCdb } from './util.js';

const CONFLICT: ScsiResponse = Object.freeze({ status: Status.ReservationConflict });

function prGate(lu: CoreLu, nexus: { initiatorPort: string; targetPort: string }): ScsiResponse | undefined {
  if (!lu.prState.reservation) return undefined;
  return isHolder(lu.prState, nexus) ? GOOD : CONFLICT;
}

function reserve(ctx: CommandContext<CoreLu>, ten: boolean): ScsiResponse | Promise<ScsiResponse> {
  const c = core(ctx);
  const cdb = c.cmd.cdb;
  if (ten ? cdbByte(cdb, 1) & 0x12 : cdbByte(cdb, 1) & 0x1f) return invalidCdb(1); // 3RDPTY / LONGID / extents
  return c.lu.exclusive(async () => {
    const gate = prGate(c.lu, c.cmd.nexus);
    if (gate) return gate;
    const holder = c.lu.spc2Holder;
    if (holder !== undefined && holder !== c.cmd.nexus.id) return CONFLICT;
    return committed(await c.lu.spc2Reserve(c.cmd.nexus.id));
  });
}

function release(ctx: CommandContext<CoreLu>, ten: boolean): ScsiResponse | Promise<ScsiResponse> {
  const c = core(ctx);
  const cdb = c.cmd.cdb;
  if (ten ? cdbByte(cdb, 1) & 0x12 : cdbByte(cdb, 1) & 0x1f) return invalidCdb(1);
  return c.lu.exclusive(async () => {
    const gate = prGate(c.lu, c.cmd.nexus);
    if (gate) return gate;
    return committed(await c.lu.spc2Release(c.cmd.nexus.id));
  });
}

export const reserve6 = (ctx: CommandContext<CoreLu>): ScsiResponse | Promise<ScsiResponse> => reserve(ctx, false);
export const reserve10 = (ctx: CommandContext<CoreLu>): ScsiResponse | Promise<ScsiResponse> => reserve(ctx, true);
export const release6 = (ctx: CommandContext<CoreLu>): ScsiResponse | Promise<ScsiResponse> => release(ctx, false);
export const release10 = (ctx: CommandContext<CoreLu>): ScsiResponse | Promise<ScsiResponse> => release(ctx, true);
