/**
 * Asymmetric logical unit access states and the commands each allows
 * (SPC-4 §5.16.2.4 "Target port asymmetric access states"). Every opcode row carries
 * the list of states (besides active/optimized) it may run in; these constants are the
 * standard lists, and aluaCheck() maps a refusal to the sense the spec names:
 *  - standby: "the device server shall terminate the command with CHECK CONDITION
 *    status, with the sense key set to NOT READY, and the additional sense code set to
 *    LOGICAL UNIT NOT ACCESSIBLE, TARGET PORT IN STANDBY STATE" (04h/0Bh);
 *  - unavailable: ... TARGET PORT IN UNAVAILABLE STATE (04h/0Ch);
 *  - transitioning: ... ASYMMETRIC ACCESS STATE TRANSITION (04h/0Ah).
 * Offline is reported like unavailable (the port cannot serve the LU at all).
 */
import type { AluaStateName } from '../command-context.js';
import type { SenseReason } from '../sense.js';

/** SPC-4 §6.37 asymmetric access state codes (RTPG byte 0 bits 3:0). */
export const ALUA_STATE_CODE: Record<AluaStateName, number> = {
  'active-optimized': 0x0,
  'active-non-optimized': 0x1,
  standby: 0x2,
  unavailable: 0x3,
  offline: 0xe,
  transitioning: 0xf,
};

/** Commands that run in every state: INQUIRY, REPORT LUNS, REPORT TARGET PORT GROUPS, REQUEST SENSE, RSOC. */
export const ALUA_ANY_STATE: readonly AluaStateName[] = ['active-non-optimized', 'standby', 'unavailable', 'transitioning', 'offline'];
/** Commands also allowed in standby (mode/log pages, PR IN/OUT, diagnostics) — SPC-4 §5.16.2.4.4. */
export const ALUA_STANDBY_OK: readonly AluaStateName[] = ['active-non-optimized', 'standby'];
/** Media access commands: active states only. */
export const ALUA_ACTIVE_ONLY: readonly AluaStateName[] = ['active-non-optimized'];

export function aluaCheck(state: AluaStateName, allowed: readonly AluaStateName[]): SenseReason | undefined {
  if (state === 'active-optimized' || allowed.includes(state)) return undefined;
  switch (state) {
    case 'standby':
      return 'NotReadyAluaStandby';
    case 'transitioning':
      return 'NotReadyAluaTransition';
    case 'active-non-optimized':
      return 'NotReadyAluaUnavailable';
    default:
      return 'NotReadyAluaUnavailable';
  }
}
