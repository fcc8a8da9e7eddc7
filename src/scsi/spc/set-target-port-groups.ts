/**
 * SET TARGET PORT GROUPS (SPC-4 §6.36, MAINTENANCE OUT / 0Ah): explicit ALUA. The
 * parameter list is a 4-byte reserved header followed by 4-byte set target port group
 * descriptors (ASYMMETRIC ACCESS STATE in byte 0 bits 3:0, TARGET PORT GROUP in bytes
 * 2–3). The decoded requests go to the target (its AccessRouter), which carries out the
 * transition (a trespass in Tandem) or names the sense to report.
 *  - "A PARAMETER LIST LENGTH field set to zero specifies that no data shall be
 *    transferred and that no change shall be made ... This shall not be considered an
 *    error."
 *  - Only primary states may be requested of a target port group: active/optimized,
 *    active/non-optimized, standby, unavailable. Transitioning, LBA dependent, offline
 *    (a secondary state of a relative target port, unsupported here) and reserved codes,
 *    an unknown target port group, and a group named twice are INVALID FIELD IN PARAMETER
 *    LIST with the field pointer on the offending byte.
 * The row exists only in the opcode table of a target with an AccessRouter (TPGS 11b):
 * a single controller reports TPGS 01b (implicit only), so SET TARGET PORT GROUPS is an
 * INVALID COMMAND OPERATION CODE there and REPORT SUPPORTED OPERATION CODES omits it.
 */
import { ALUA_NOT_TRANSITIONING } from '../alua/access-state.js';
import type { AluaStateName, CommandContext, OpcodeEntry } from '../command-context.js';
import { core, type CoreLu } from '../core-context.js';
import { checkCondition, GOOD } from '../sense.js';
import type { ScsiResponse } from '../types.js';
import { stpgStateOfCode } from '../wire/index.js';
import { cdbU32, invalidParam } from './util.js';

export type StpgRequest = { tpgId: number; state: AluaStateName };

/** Decode the parameter list; a request list, or the CHECK CONDITION to return. */
export function parseSetTargetPortGroups(params: Buffer, knownGroups: ReadonlySet<number>): StpgRequest[] | ScsiResponse {
  if (params.length < 4 || (params.length - 4) % 4 !== 0) return checkCondition('ParameterListLengthError');
  const out: StpgRequest[] = [];
  for (let off = 4; off < params.length; off += 4) {
    const state = stpgStateOfCode(params[off]! & 0x0f);
    if (!state) return invalidParam(off, 3);
    const tpgId = params.readUInt16BE(off + 2);
    if (!knownGroups.has(tpgId) || out.some((r) => r.tpgId === tpgId)) return invalidParam(off + 2);
    out.push({ tpgId, state });
  }
  return out;
}

export async function setTargetPortGroups(ctx: CommandContext<CoreLu>): Promise<ScsiResponse> {
  const c = core(ctx);
  if (c.target.tpgsFor(c.cmd.nexus) !== 3) return checkCondition('InvalidOpcode');
  const len = cdbU32(c.cmd.cdb, 6);
  if (len === 0) return GOOD;
  const data = c.cmd.dataOut ?? Buffer.alloc(0);
  if (data.length < len) return checkCondition('ParameterListLengthError');
  const groups = new Set(c.target.portGroups(c.lu).map((g) => g.id));
  const reqs = parseSetTargetPortGroups(data.subarray(0, len), groups);
  if (!Array.isArray(reqs)) return reqs;
  const reason = await c.target.setPortGroups(c.lu, c.cmd.nexus, reqs);
  return reason ? checkCondition(reason) : GOOD;
}

export const setTargetPortGroupsRow: OpcodeEntry<CoreLu> = {
  opcode: 0xa4,
  serviceAction: 0x0a,
  name: 'SET TARGET PORT GROUPS',
  cdbLength: 12,
  usageMask: [0xa4, 0x1f, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0],
  direction: 'out',
  pr: 'write',
  allowedUnderSpc2Reserve: false,
  skipsUnitAttention: false,
  aluaAllowed: ALUA_NOT_TRANSITIONING,
  handler: setTargetPortGroups,
};
