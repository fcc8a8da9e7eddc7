/**
 * The richer view the SPC/PR handlers of this core get (the SBC handlers see only
 * LogicalUnitView/TargetView from command-context.ts). LogicalUnit and ScsiTarget
 * implement these; the handlers depend on the interfaces only, so there is no import
 * cycle between the handlers and the classes that run them.
 */
import type { AluaStateName, CommandContext, LogicalUnitView, TargetView } from './command-context.js';
import type { LuCommitOutcome } from './lu-state.js';
import type { ModeState, ModeValues } from './spc/mode-state.js';
import type { PortInfo, PrOutResult } from './pr/pr-out-logic.js';
import type { PrStateJson } from './pr/pr-state.js';
import type { SenseReason } from './sense.js';
import type { ItNexus } from './types.js';

/** One target port group as REPORT TARGET PORT GROUPS describes it (same shape as access-router.ts TargetPortGroupInfo). */
export interface PortGroupView {
  id: number;
  state: AluaStateName;
  preferred: boolean;
  relativePortIds: number[];
}

export interface CoreLu extends LogicalUnitView {
  readonly mode: ModeState;
  readonly prState: PrStateJson;
  /** SPC-2 RESERVE holder (nexus id), if any. */
  readonly spc2Holder: string | undefined;
  /** Save and apply an SPC-2 RESERVE / RELEASE of this nexus (inside exclusive()). */
  spc2Reserve(nexusId: string): Promise<LuCommitOutcome>;
  spc2Release(nexusId: string): Promise<LuCommitOutcome>;
  /** Save and apply new current mode values (inside exclusive()). */
  commitMode(values: ModeValues): Promise<LuCommitOutcome>;
  /** Remove and return the oldest unit attention pending for this nexus. */
  takeUnitAttention(nexusId: string): SenseReason | undefined;
  queueUnitAttention(reason: SenseReason, exceptNexusId?: string): void;
  /** Queue an LU-wide unit attention here AND hand it to the broadcast hook (the peer controller's nexuses). */
  raiseUnitAttention(reason: SenseReason, exceptNexusId?: string): void;
  /** Serialise changes of the LU state (PR OUT, RESERVE/RELEASE, MODE SELECT, nexus loss, resets). */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** exclusive(), as PERSISTENT RESERVE OUT calls it. */
  prExclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** Save (before acknowledging) and apply a PR OUT result. */
  commitPr(result: PrOutResult): Promise<LuCommitOutcome>;
  aluaState(targetPortGroupId: number): AluaStateName;
}

export interface CoreTarget extends TargetView {
  readonly ports: readonly PortInfo[];
  /** Service actions the opcode table has for an opcode ([] = opcode without service actions, undefined = unsupported). */
  serviceActionsOf(opcode: number): number[] | undefined;
  /** Abort the tasks of the nexuses these PR registrations name (PREEMPT AND ABORT). */
  abortForPreempt(lu: CoreLu, regs: ReadonlyArray<{ initiatorPort: string; targetPort: string }>, issuer: ItNexus): Promise<void>;
  /**
   * INQUIRY TPGS for this I_T nexus (SPC-4 §6.6.2): 1 = implicit ALUA only (one
   * controller), 3 = implicit and explicit (a multi-controller array with an AccessRouter),
   * 0 = no ALUA (a dual-controller host in a non-ALUA failover mode, VNX modes 0–3).
   */
  tpgsFor(nexus: ItNexus): 0 | 1 | 3;
  /** Every target port group with the LU's access state through it (REPORT TARGET PORT GROUPS). */
  portGroups(lu: CoreLu, nexus?: ItNexus): PortGroupView[];
  /** SET TARGET PORT GROUPS: undefined when done, else the sense reason to report. */
  setPortGroups(lu: CoreLu, nexus: ItNexus, requests: Array<{ tpgId: number; state: AluaStateName }>): Promise<SenseReason | undefined>;
}

export interface CoreContext extends CommandContext<CoreLu> {
  readonly target: CoreTarget;
}

/** The ScsiTarget always passes a CoreContext; handlers typed on CommandContext narrow here. */
export function core(ctx: CommandContext<CoreLu>): CoreContext {
  return ctx as CoreContext;
}
