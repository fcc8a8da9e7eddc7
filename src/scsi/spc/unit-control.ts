/**
 * TEST UNIT READY (SPC-4 §6.47) and PREVENT ALLOW MEDIUM REMOVAL (SBC-4 §5.15, SPC-4
 * §6.14) for a non-removable, always-ready medium (RMB=0 in INQUIRY). PREVENT values
 * 00b/01b are accepted; SBC-4 marks 10b and 11b obsolete, so they are an INVALID FIELD
 * IN CDB. (START STOP UNIT is an SBC command: sbc/start-stop-unit.ts.)
 */
import { GOOD } from '../sense.js';
import type { ScsiCommand, ScsiResponse } from '../types.js';
import { cdbByte, invalidCdb } from './util.js';

export function testUnitReady(): ScsiResponse {
  return GOOD;
}

export function preventAllowMediumRemoval(cmd: ScsiCommand): ScsiResponse {
  const prevent = cdbByte(cmd.cdb, 4) & 0x03;
  if (prevent > 1) return invalidCdb(4, 1);
  return GOOD;
}
