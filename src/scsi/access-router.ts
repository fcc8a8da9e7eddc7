/**
 * The seam between the SCSI core and a multi-controller runtime (docs/ha.md "I/O on the
 * non-owner", "Holding commands"): the ALUA state of an LU through a port, its target
 * port groups, where a routable command runs, and — optionally — when a routable command
 * must wait in the task set before it is decided (routed-execution.ts).
 */
import type { AluaStateName } from './command-context.js';
import type { SenseReason } from './sense.js';
import type { ItNexus, ScsiCommand, ScsiResponse } from './types.js';
import type { LogicalUnit } from './logical-unit.js';

export interface TargetPortGroupInfo { id: number; state: AluaStateName; preferred: boolean; relativePortIds: number[] }

/**
 * What a forward came back with: the owner's response, or `reroute` when the command
 * did not run to an answer there (the peer link dropped, the owner died or hung, the
 * owner was no longer the owner): the command is routed again, never failed for it.
 */
export type ForwardResult = ScsiResponse | { readonly reroute: string };

export type RouteDecision =
  | { kind: 'local' }                                                         // run here (we own it)
  | { kind: 'forward'; forward: (cmd: ScsiCommand) => Promise<ForwardResult> } // run on the owner (peer link)
  | { kind: 'reject'; reason: SenseReason }                                     // e.g. NotReadyManualIntervention
  | { kind: 'good' }                                                          // answer GOOD without executing (mode 3 TUR)
  | { kind: 'trespass'; trespass: () => Promise<void> };                      // trespass to us, then run locally

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
  /**
   * Why a routable command through `nexus` must wait before it is decided (the LU changes
   * hands, its owner cannot be reached now), or undefined. Absent ⇒ never.
   */
  holdReason?(lu: LogicalUnit, nexus: ItNexus): string | undefined;
  /** Resolves at the next change of the facts holdReason() and route() read (ownership, health, peer link). */
  changed?(): Promise<void>;
  /** The longest a command waits (holds and re-routes together), ms. */
  readonly holdLimitMs?: number;
  /**
   * A command run here ended with `resp` because this controller lost the LU's back end
   * (MEDIUM or HARDWARE ERROR while the back end is failed here): route it again, so the
   * controller that can reach the back end runs it.
   */
  retryElsewhere?(lu: LogicalUnit, resp: ScsiResponse): boolean;
}
