import type { AluaStateName } from './command-context.js';
import type { SenseReason } from './sense.js';
import type { ItNexus, ScsiCommand, ScsiResponse } from './types.js';
import type { LogicalUnit } from './logical-unit.js';

export interface TargetPortGroupInfo { id: number; state: AluaStateName; preferred: boolean; relativePortIds: number[] }

export type RouteDecision =
  | { kind: 'local' }                                                        // run here (we own it)
  | { kind: 'forward'; forward: (cmd: ScsiCommand) => Promise<ScsiResponse> } // run on the owner (peer link)
  | { kind: 'reject'; reason: SenseReason }                                    // e.g. NotReadyManualIntervention
  | { kind: 'good' }                                                         // answer GOOD without executing (mode 3 TUR)
  | { kind: 'trespass'; trespass: () => Promise<void> };                     // trespass to us, then run locally

export interface AccessRouter {
  /** ALUA state of `lu` through the target port of `nexus` (SPC-4 §5.16). */
  aluaState(lu: LogicalUnit, nexus: ItNexus): AluaStateName;
  /** Every target port group of the array with the state of `lu` in it (REPORT TARGET PORT GROUPS). */
  targetPortGroups(lu: LogicalUnit): TargetPortGroupInfo[];
  /** Called after LUN lookup, UA and the ALUA allowed-command check, for commands that touch the medium or
   *  LU state (not INQUIRY, REPORT LUNS, REQUEST SENSE, RTPG, RSOC…): where the command runs. */
  route(lu: LogicalUnit, cmd: ScsiCommand, entry: { name: string; opcode: number }): RouteDecision;
  /** Does this nexus see ALUA (INQUIRY TPGS 11b, RTPG)? Absent ⇒ yes. A host in a non-ALUA failover mode does not. */
  reportsAlua?(nexus: ItNexus): boolean;
  /** SET TARGET PORT GROUPS (explicit ALUA, SPC-4 §6.36): resolve undefined when done, or a sense reason. */
  setTargetPortGroups(lu: LogicalUnit, nexus: ItNexus, requests: Array<{ tpgId: number; state: AluaStateName }>): Promise<SenseReason | undefined>;
}
