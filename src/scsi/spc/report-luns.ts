/**
 * REPORT LUNS (SPC-4 §6.33). SELECT REPORT 00h (all LUNs but well-known ones), 01h (well-
 * known LUNs only: we have none), 02h (all). "If the ALLOCATION LENGTH field is less than
 * 16, the device server shall terminate the command with CHECK CONDITION ... INVALID
 * FIELD IN CDB". LUNs below 256 use the peripheral device addressing method, larger
 * ones the flat space method (SAM-5 §4.7.7).
 */
import { encodeLun } from '../../lib/lun.js';
import type { TargetView } from '../command-context.js';
import type { ScsiCommand, ScsiResponse } from '../types.js';
import { cdbByte, cdbU32, dataIn, invalidCdb } from './util.js';

export function reportLuns(cmd: ScsiCommand, target: TargetView): ScsiResponse {
  const cdb = cmd.cdb;
  const select = cdbByte(cdb, 2);
  const alloc = cdbU32(cdb, 6);
  if (select !== 0x00 && select !== 0x01 && select !== 0x02) return invalidCdb(2);
  if (alloc < 16) return invalidCdb(6);
  const luns = select === 0x01 ? [] : [...new Set(target.lunsFor(cmd.nexus))].sort((a, b) => a - b);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(luns.length * 8, 0);
  return dataIn(Buffer.concat([head, ...luns.map(encodeLun)]), alloc);
}
