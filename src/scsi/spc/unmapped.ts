/**
 * A command to a LUN the I_T nexus cannot access (SPC-4 §6.6.2, SAM-5 §5.8.5): INQUIRY
 * answers peripheral qualifier 011b / type 1Fh, REQUEST SENSE reports LOGICAL UNIT NOT
 * SUPPORTED, REPORT LUNS works, and everything else ends CHECK CONDITION, LOGICAL UNIT
 * NOT SUPPORTED (25h/00h).
 */
import type { TargetView } from '../command-context.js';
import { checkCondition } from '../sense.js';
import type { ScsiCommand, ScsiResponse } from '../types.js';
import { unmappedInquiry } from './inquiry.js';
import { reportLuns } from './report-luns.js';
import { requestSenseUnmapped } from './request-sense.js';

export function unmappedLun(cmd: ScsiCommand, target: TargetView): ScsiResponse {
  switch (cmd.cdb[0]) {
    case 0x12:
      return unmappedInquiry(cmd);
    case 0x03:
      return requestSenseUnmapped(cmd);
    case 0xa0:
      return reportLuns(cmd, target);
    default:
      return checkCondition('LunNotSupported');
  }
}
