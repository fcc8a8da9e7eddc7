/**
 * REPORT TARGET PORT GROUPS (SPC-4 §6.37, MAINTENANCE IN / 0Ah). One descriptor per
 * target port group of the array (target.portGroups(): the AccessRouter's view in a
 * dual-controller array, else one group per port group id with the LU's own state),
 * with the LU's access state through that group, PREF, the supported-states bits and
 * the relative target port identifiers of its ports. PARAMETER DATA FORMAT 000b (length
 * only header) or 001b (extended header with IMPLICIT TRANSITION TIME); anything else
 * is an INVALID FIELD IN CDB.
 *
 * Supported states: T_SUP, U_SUP, S_SUP, AN_SUP, AO_SUP. O_SUP stays zero — Tandem has
 * no offline secondary state (a dead controller's ports report unavailable), and
 * LBD_SUP zero (no LBA dependent state).
 */
import type { CommandContext } from '../command-context.js';
import { core, type CoreLu } from '../core-context.js';
import type { ScsiResponse } from '../types.js';
import { checkCondition } from '../sense.js';
import { ALUA_STATE_CODE } from '../wire/index.js';
import { cdbByte, cdbU32, dataIn, invalidCdb } from './util.js';

export const TPG_SUPPORTED_STATES = 0x80 | 0x08 | 0x04 | 0x02 | 0x01;
const PREF = 0x80;
const IMPLICIT_TRANSITION_SECONDS = 10;

export function reportTargetPortGroups(ctx: CommandContext<CoreLu>): ScsiResponse {
  const c = core(ctx);
  const cdb = c.cmd.cdb;
  // SPC-4 §6.6.2: with TPGS 00b the logical unit "does not support asymmetric logical unit access".
  if (c.target.tpgsFor(c.cmd.nexus) === 0) return checkCondition('InvalidOpcode');
  const format = cdbByte(cdb, 1) >> 5;
  if (format > 1) return invalidCdb(1, 7);
  const alloc = cdbU32(cdb, 6);
  const groups = [...c.target.portGroups(c.lu, c.cmd.nexus)].sort((a, b) => a.id - b.id);
  const descs = groups.map((g) => {
    const d = Buffer.alloc(8 + 4 * g.relativePortIds.length);
    d[0] = (g.preferred ? PREF : 0) | ALUA_STATE_CODE[g.state];
    d[1] = TPG_SUPPORTED_STATES;
    d.writeUInt16BE(g.id, 2);
    d[7] = g.relativePortIds.length;
    g.relativePortIds.forEach((rtpi, i) => d.writeUInt16BE(rtpi, 8 + 4 * i + 2));
    return d;
  });
  const body = Buffer.concat(descs);
  const head = Buffer.alloc(format === 1 ? 8 : 4);
  // "The RETURN DATA LENGTH field indicates the length in bytes of the list of target port group descriptors" (both formats).
  head.writeUInt32BE(body.length, 0);
  if (format === 1) {
    head[4] = 0x10; // FORMAT TYPE 001b
    head[5] = IMPLICIT_TRANSITION_SECONDS;
  }
  return dataIn(Buffer.concat([head, body]), alloc);
}
