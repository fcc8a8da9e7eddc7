/**
 * SPC-4 opcode rows handled by this core (the primary commands every device type has).
 * Reservation classes follow SPC-4 Table 41 (§5.9.1) and SPC-2 §5.5.1; ALUA lists follow
 * SPC-4 §5.16.2.4.
 */
import { ALUA_ACTIVE_ONLY, ALUA_ANY_STATE, ALUA_STANDBY_OK } from '../alua/access-state.js';
import type { OpcodeEntry } from '../command-context.js';
import { core, type CoreLu } from '../core-context.js';
import { inquiry } from './inquiry.js';
import { modeSelect10, modeSelect6 } from './mode-select.js';
import { modeSense10, modeSense6 } from './mode-sense.js';
import { reportLuns } from './report-luns.js';
import { reportSupportedTmf } from './report-supported-tmf.js';
import { reportTargetPortGroups } from './report-target-port-groups.js';
import { requestSense } from './request-sense.js';
import { release10, release6, reserve10, reserve6 } from './reserve-release.js';
import { preventAllowMediumRemoval, testUnitReady } from './unit-control.js';

type Row = OpcodeEntry<CoreLu>;

const base = {
  skipsUnitAttention: false,
  allowedUnderSpc2Reserve: false,
} as const;

export const spcOpcodes: Row[] = [
  { ...base, opcode: 0x00, name: 'TEST UNIT READY', cdbLength: 6, usageMask: [0x00, 0, 0, 0, 0, 0], direction: 'none', pr: 'allowed', aluaAllowed: ALUA_ACTIVE_ONLY, handler: testUnitReady },
  {
    opcode: 0x03,
    name: 'REQUEST SENSE',
    cdbLength: 6,
    usageMask: [0x03, 0x01, 0, 0, 0xff, 0],
    direction: 'in',
    pr: 'allowed',
    allowedUnderSpc2Reserve: true,
    skipsUnitAttention: true,
    worksWithoutLu: true,
    aluaAllowed: ALUA_ANY_STATE,
    handler: requestSense,
  },
  {
    opcode: 0x12,
    name: 'INQUIRY',
    cdbLength: 6,
    usageMask: [0x12, 0x01, 0xff, 0xff, 0xff, 0],
    direction: 'in',
    pr: 'allowed',
    allowedUnderSpc2Reserve: true,
    skipsUnitAttention: true,
    worksWithoutLu: true,
    aluaAllowed: ALUA_ANY_STATE,
    handler: inquiry,
  },
  { ...base, opcode: 0x15, name: 'MODE SELECT(6)', cdbLength: 6, usageMask: [0x15, 0x11, 0, 0, 0xff, 0], direction: 'out', pr: 'write', aluaAllowed: ALUA_STANDBY_OK, handler: modeSelect6 },
  { ...base, opcode: 0x16, name: 'RESERVE(6)', cdbLength: 6, usageMask: [0x16, 0, 0, 0, 0, 0], direction: 'none', pr: 'conflict', aluaAllowed: ALUA_ACTIVE_ONLY, handler: reserve6 },
  { ...base, opcode: 0x17, name: 'RELEASE(6)', cdbLength: 6, usageMask: [0x17, 0, 0, 0, 0, 0], direction: 'none', pr: 'conflict', allowedUnderSpc2Reserve: true, aluaAllowed: ALUA_ACTIVE_ONLY, handler: release6 },
  { ...base, opcode: 0x1a, name: 'MODE SENSE(6)', cdbLength: 6, usageMask: [0x1a, 0x08, 0xff, 0xff, 0xff, 0], direction: 'in', pr: 'read', aluaAllowed: ALUA_STANDBY_OK, handler: modeSense6 },
  { ...base, opcode: 0x1e, name: 'PREVENT ALLOW MEDIUM REMOVAL', cdbLength: 6, usageMask: [0x1e, 0, 0, 0, 0x03, 0], direction: 'none', pr: 'read', aluaAllowed: ALUA_ACTIVE_ONLY, handler: (ctx) => preventAllowMediumRemoval(ctx.cmd) },
  { ...base, opcode: 0x55, name: 'MODE SELECT(10)', cdbLength: 10, usageMask: [0x55, 0x11, 0, 0, 0, 0, 0, 0xff, 0xff, 0], direction: 'out', pr: 'write', aluaAllowed: ALUA_STANDBY_OK, handler: modeSelect10 },
  { ...base, opcode: 0x56, name: 'RESERVE(10)', cdbLength: 10, usageMask: [0x56, 0, 0, 0, 0, 0, 0, 0, 0, 0], direction: 'none', pr: 'conflict', aluaAllowed: ALUA_ACTIVE_ONLY, handler: reserve10 },
  { ...base, opcode: 0x57, name: 'RELEASE(10)', cdbLength: 10, usageMask: [0x57, 0, 0, 0, 0, 0, 0, 0, 0, 0], direction: 'none', pr: 'conflict', allowedUnderSpc2Reserve: true, aluaAllowed: ALUA_ACTIVE_ONLY, handler: release10 },
  { ...base, opcode: 0x5a, name: 'MODE SENSE(10)', cdbLength: 10, usageMask: [0x5a, 0x18, 0xff, 0xff, 0, 0, 0, 0xff, 0xff, 0], direction: 'in', pr: 'read', aluaAllowed: ALUA_STANDBY_OK, handler: modeSense10 },
  {
    opcode: 0xa0,
    name: 'REPORT LUNS',
    cdbLength: 12,
    usageMask: [0xa0, 0, 0xff, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0],
    direction: 'in',
    pr: 'allowed',
    allowedUnderSpc2Reserve: true,
    skipsUnitAttention: true,
    worksWithoutLu: true,
    aluaAllowed: ALUA_ANY_STATE,
    handler: (ctx) => reportLuns(ctx.cmd, core(ctx).target),
  },
  {
    ...base,
    opcode: 0xa3,
    serviceAction: 0x0a,
    name: 'REPORT TARGET PORT GROUPS',
    cdbLength: 12,
    usageMask: [0xa3, 0x3f, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0],
    direction: 'in',
    pr: 'allowed',
    allowedUnderSpc2Reserve: true,
    aluaAllowed: ALUA_ANY_STATE,
    handler: reportTargetPortGroups,
  },
  {
    ...base,
    opcode: 0xa3,
    serviceAction: 0x0d,
    name: 'REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS',
    cdbLength: 12,
    usageMask: [0xa3, 0x1f, 0x80, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0],
    direction: 'in',
    pr: 'allowed',
    allowedUnderSpc2Reserve: true,
    aluaAllowed: ALUA_ANY_STATE,
    handler: (ctx) => reportSupportedTmf(ctx.cmd),
  },
];
