/**
 * REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS (SPC-4 §6.36, MAINTENANCE IN / 0Dh): ABORT
 * TASK, ABORT TASK SET, CLEAR TASK SET, LOGICAL UNIT RESET and (iSCSI) TARGET RESET are
 * supported; CLEAR ACA is not (no NACA). "If the ALLOCATION LENGTH field is less than
 * four, the device server shall terminate the command with CHECK CONDITION status, with
 * ... INVALID FIELD IN CDB".
 */
import type { ScsiCommand, ScsiResponse } from '../types.js';
import { cdbByte, cdbU32, dataIn, invalidCdb } from './util.js';

export function reportSupportedTmf(cmd: ScsiCommand): ScsiResponse {
  const cdb = cmd.cdb;
  const repd = (cdbByte(cdb, 2) & 0x80) !== 0;
  const alloc = cdbU32(cdb, 6);
  if (alloc < 4) return invalidCdb(6);
  const b = Buffer.alloc(repd ? 16 : 4);
  b[0] = 0x80 | 0x40 | 0x10 | 0x08 | 0x02; // ATS, ATSS, CTSS, LURS, TRS
  if (repd) b[3] = 0x0c; // ADDITIONAL DATA LENGTH
  return dataIn(b, alloc);
}
