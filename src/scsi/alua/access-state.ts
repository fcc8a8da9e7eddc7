/**
 * Asymmetric logical unit access states and the commands each allows
 * (SPC-4 §5.16.2.4 "Target port asymmetric access states"). Every opcode row carries
 * the list of states (besides active/optimized) it may run in; these constants are the
 * standard lists, and aluaCheck() maps a refusal to the sense the spec names:
 *  - active/non-optimized (§5.16.2.4.3): every command the LU supports;
 *  - standby (§5.16.2.4.4): INQUIRY, LOG SELECT/SENSE, MODE SELECT/SENSE, REPORT LUNS,
 *    RECEIVE/SEND DIAGNOSTIC, REPORT/SET TARGET PORT GROUPS, REQUEST SENSE, PERSISTENT
 *    RESERVE IN/OUT, echo-buffer READ/WRITE BUFFER (and READ CAPACITY, as LIO does: hosts
 *    probe capacity on every path); "the device server shall terminate the command with
 *    CHECK CONDITION status, with the sense key set to NOT READY, and the additional sense
 *    code set to LOGICAL UNIT NOT ACCESSIBLE, TARGET PORT IN STANDBY STATE" (04h/0Bh).
 *    TEST UNIT READY is not on the list: a standby path answers it 04h/0Bh, which is what
 *    host path checkers (dm-multipath "tur", scsi_dh_alua) expect of a standby path;
 *  - unavailable (§5.16.2.4.5): INQUIRY, REPORT LUNS, REPORT/SET TARGET PORT GROUPS,
 *    REQUEST SENSE; others ... TARGET PORT IN UNAVAILABLE STATE (04h/0Ch);
 *  - transitioning (§5.16.2.4.6): INQUIRY, REPORT LUNS, REPORT TARGET PORT GROUPS,
 *    REQUEST SENSE; others ... ASYMMETRIC ACCESS STATE TRANSITION (04h/0Ah).
 * Deliberate addition: REPORT SUPPORTED OPERATION CODES and REPORT SUPPORTED TASK
 * MANAGEMENT FUNCTIONS run in every state (they describe the device server, touch no
 * LU state; refusing them on a standby path makes Linux drop WRITE SAME/UNMAP for the
 * multipath device). Offline is reported like unavailable (the port cannot serve the LU).
 * The state codes themselves are the SCSI client codec's table (wire/alua-state.ts),
 * shared with the initiator and multipath.
 */
import type { AluaStateName } from '../command-context.js';
import type { SenseReason } from '../sense.js';

/** Commands that run in every state: INQUIRY, REPORT LUNS, REPORT TARGET PORT GROUPS, REQUEST SENSE (+ RSOC, RSTMF). */
export const ALUA_ANY_STATE: readonly AluaStateName[] = ['active-non-optimized', 'standby', 'unavailable', 'transitioning', 'offline'];
/** SET TARGET PORT GROUPS: standby and unavailable, not transitioning (§5.16.2.4.4–6). */
export const ALUA_NOT_TRANSITIONING: readonly AluaStateName[] = ['active-non-optimized', 'standby', 'unavailable'];
/** Commands also allowed in standby (mode/log pages, PR IN/OUT, diagnostics) — SPC-4 §5.16.2.4.4. */
export const ALUA_STANDBY_OK: readonly AluaStateName[] = ['active-non-optimized', 'standby'];
/** Media access and everything else: active states only. */
export const ALUA_ACTIVE_ONLY: readonly AluaStateName[] = ['active-non-optimized'];

export function aluaCheck(state: AluaStateName, allowed: readonly AluaStateName[]): SenseReason | undefined {
  if (state === 'active-optimized' || allowed.includes(state)) return undefined;
  switch (state) {
    case 'standby':
      return 'NotReadyAluaStandby';
    case 'transitioning':
      return 'NotReadyAluaTransition';
    default:
      return 'NotReadyAluaUnavailable';
  }
}
