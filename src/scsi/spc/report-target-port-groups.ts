/**
 * REPORT TARGET PORT GROUPS (SPC-4 §6.37, MAINTENANCE IN / 0Ah). One descriptor per
 * target port group of the array, with the LU's access state through that group and
 * its target ports. PARAMETER DATA FORMAT 000b (length only header) or 001b (extended
 * header with IMPLICIT TRANSITION TIME); anything else is an INVALID FIELD IN CDB.
 */
import { ALUA_STATE_CODE } from '../alua/access-state.js';
import type { CommandContext } from '../command-context.js';
import { core, type CoreLu } from '../core-context.js';
import type { ScsiResponse } from '../types.js';
import { cdbByte, cdbU32, dataIn, invalidCdb } from './util.js';

/** Supported states: T_SUP, U_SUP, S_SUP, AN_SUP, AO_SUP (no offline, no LBA dependent). */
const SUPPORTED = 0x80 | 0x08 | 0x04 | 0x02 | 0x01;
const IMPLICIT_TRANSITION_SECONDS = 10;

export function reportTargetPortGroups(ctx: CommandContext<CoreLu>): ScsiResponse {
  const c = core(ctx);
  const cdb = c.cmd.cdb;
  const format = cdbByte(cdb, 1) >> 5;
  if (format > 1) return invalidCdb(1, 7);
  const alloc = cdbU32(cdb, 6);
  const ports = c.target.ports.length > 0 ? c.target.ports : [{ relativeTargetPortId: c.cmd.nexus.relativeTargetPortId, targetPortGroupId: c.cmd.nexus.targetPortGroupId, name: c.cmd.nexus.targetPort }];
  const groups = [...new Set(ports.map((p) => p.targetPortGroupId))].sort((a, b) => a - b);
  const descs = groups.map((g) => {
    const members = ports.filter((p) => p.targetPortGroupId === g);
    const d = Buffer.alloc(8 + 4 * members.length);
    d[0] = ALUA_STATE_CODE[c.lu.aluaState(g)];
    d[1] = SUPPORTED;
    d.writeUInt16BE(g, 2);
    d[7] = members.length;
    members.forEach((m, i) => d.writeUInt16BE(m.relativeTargetPortId, 8 + 4 * i + 2));
    return d;
  });
  const body = Buffer.concat(descs);
  const head = Buffer.alloc(format === 1 ? 8 : 4);
  head.writeUInt32BE(body.length + head.length - 4, 0);
  if (format === 1) {
    head[4] = 0x10;
    head[5] = IMPLICIT_TRANSITION_SECONDS;
  }
  return dataIn(Buffer.concat([head, body]), alloc);
}
