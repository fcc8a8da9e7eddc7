/**
 * A logical unit (SAM-5 §4.6.4) of the SCSI core: a BlockDevice plus the per-LU state
 * SPC-4 keeps — unit attention conditions per I_T nexus (SAM-5 §5.14), the SPC-2
 * RESERVE holder, persistent reservations (SPC-4 §5.9, pure model in pr/), mode
 * parameters (spc/mode-state.ts), ALUA access state per target port group (SPC-4 §5.16)
 * and the range lock that serialises overlapping writers (COMPARE AND WRITE atomicity).
 *
 * Persistent reservation changes are persisted through `pr.persist` before the command
 * that made them completes; on a power-on start pass `prStateAfterPowerLoss(saved)` as
 * `initial` (only APTPL state survives a power loss, SPC-4 §5.9.4), on a failover pass
 * the mirrored state as it is.
 *
 * Dual-controller hooks (docs/ha.md "Reservations and unit attentions"): every unit attention the core
 * establishes for the whole LU (capacity/mode parameters changed, reservations or
 * registrations preempted/released, LUN reset, ALUA change) goes through
 * raiseUnitAttention(), which queues it for the local nexuses and hands it to
 * `onUnitAttentionBroadcast` so the runtime can queue it on the peer controller with
 * queueUnitAttention() — which never calls the hook (no echo). PR-caused conditions name
 * the registrants they are for (`only`); the peer passes `only` back to
 * queueUnitAttention() to reach just those nexuses (SPC-4 §5.9.11 sends them to the
 * affected registrants only).
 */
import type { BlockDevice } from '../block/block-device.js';
import type { AluaStateName, LuIdentity } from './command-context.js';
import type { CoreLu } from './core-context.js';
import type { PrOutResult } from './pr/pr-out-logic.js';
import { clonePrState, emptyPrState, regMatches, type PrStateJson } from './pr/pr-state.js';
import { RangeLock } from './range-lock.js';
import type { SenseReason } from './sense.js';
import { ModeState } from './spc/mode-state.js';
import type { ItNexus } from './types.js';
import { UnitAttentionQueues } from './unit-attention.js';

/** The I_T nexuses (initiator port + target port) a unit attention is for. */
export type UaTargets = ReadonlyArray<{ initiatorPort: string; targetPort: string }>;

export interface LogicalUnitOptions {
  identity: LuIdentity;
  device: BlockDevice;
  writeProtected?: boolean;
  /** `persist` is awaited before a PR OUT is acknowledged (the HA runtime mirrors to the peer there). */
  pr?: { initial?: PrStateJson | undefined; persist: (s: PrStateJson) => Promise<void> };
  /**
   * Called for every LU-wide unit attention the core queues (not for queueUnitAttention() calls
   * from outside). `only` is set for PR conditions meant for some registrants only.
   */
  onUnitAttentionBroadcast?: (reason: SenseReason, exceptNexusId?: string, only?: UaTargets) => void;
  /**
   * PREEMPT AND ABORT aborted the tasks of these I_T nexus ids ("initiatorPort|targetPort",
   * built from the preempted registrations) here; the runtime asks the peer to do the same
   * (ScsiTarget.abortTasksOf). Awaited before the PR OUT completes.
   */
  onTasksAborted?: (nexusIds: string[]) => void | Promise<void>;
}

interface KnownNexus {
  readonly initiatorPort: string;
  readonly targetPort: string;
}

export class LogicalUnit implements CoreLu {
  readonly identity: LuIdentity;
  readonly device: BlockDevice;
  readonly lock = new RangeLock();
  readonly mode = new ModeState();
  private operatorWriteProtect: boolean;
  private readonly ua = new UnitAttentionQueues();
  private readonly nexuses = new Map<string, KnownNexus>();
  private holder: string | undefined;
  private pr: PrStateJson;
  private readonly persist: (s: PrStateJson) => Promise<void>;
  private prChain: Promise<unknown> = Promise.resolve();
  private readonly alua = new Map<number, AluaStateName>();
  private readonly broadcast: ((reason: SenseReason, exceptNexusId?: string, only?: UaTargets) => void) | undefined;
  readonly onTasksAborted: ((nexusIds: string[]) => void | Promise<void>) | undefined;

  constructor(opts: LogicalUnitOptions) {
    this.identity = opts.identity;
    this.device = opts.device;
    this.operatorWriteProtect = opts.writeProtected ?? false;
    this.pr = opts.pr?.initial ? clonePrState(opts.pr.initial) : emptyPrState();
    this.persist = opts.pr?.persist ?? (async () => {});
    this.broadcast = opts.onUnitAttentionBroadcast;
    this.onTasksAborted = opts.onTasksAborted;
  }

  get blockSize(): number {
    return this.device.blockSize;
  }
  get blockCount(): number {
    return Math.floor(this.device.sizeBytes / this.device.blockSize);
  }
  get thin(): boolean {
    return this.device.thin;
  }
  /** Operator write protection or the control mode page's SWP bit (SBC-4 §4.11). */
  get writeProtected(): boolean {
    return this.operatorWriteProtect || this.mode.values.swp;
  }
  get caching(): { readonly wce: boolean; readonly rcd: boolean } {
    return { wce: this.mode.values.wce, rcd: false };
  }

  setWriteProtected(wp: boolean): void {
    this.operatorWriteProtect = wp;
  }

  /** SBC-4 §4.6: after a capacity change, CAPACITY DATA HAS CHANGED to every I_T nexus. */
  capacityChanged(): void {
    this.raiseUnitAttention('UaCapacityDataChanged');
  }

  // ---- I_T nexuses and unit attentions ----

  attachNexus(nexus: ItNexus): void {
    if (!this.nexuses.has(nexus.id)) this.nexuses.set(nexus.id, { initiatorPort: nexus.initiatorPort, targetPort: nexus.targetPort });
  }

  /** I_T nexus loss (SAM-5 §6.3.4): its unit attentions go, its SPC-2 reservation is released. */
  detachNexus(nexusId: string): void {
    this.nexuses.delete(nexusId);
    this.ua.drop(nexusId);
    if (this.holder === nexusId) this.holder = undefined;
  }

  knownNexusIds(): string[] {
    return [...this.nexuses.keys()];
  }

  /** Queue for the local nexuses only (every one, or those `only` names); never calls the broadcast hook. */
  queueUnitAttention(reason: SenseReason, exceptNexusId?: string, only?: UaTargets): void {
    for (const [id, n] of this.nexuses) {
      if (id === exceptNexusId) continue;
      if (only && !only.some((t) => regMatches(t, n))) continue;
      this.ua.queue(id, reason);
    }
  }

  /** Queue an LU-wide condition for the local nexuses and broadcast it to the peer controller. */
  raiseUnitAttention(reason: SenseReason, exceptNexusId?: string, only?: UaTargets): void {
    this.queueUnitAttention(reason, exceptNexusId, only);
    this.callBroadcast(reason, exceptNexusId, only);
  }

  private callBroadcast(reason: SenseReason, exceptNexusId?: string, only?: UaTargets): void {
    if (!this.broadcast) return;
    try {
      this.broadcast(reason, exceptNexusId, only);
    } catch {
      // The runtime's hook must not fail the SCSI command that raised the condition.
    }
  }

  queueUnitAttentionFor(nexusId: string, reason: SenseReason): void {
    this.ua.queue(nexusId, reason);
  }

  pendingUnitAttentions(nexusId: string): readonly SenseReason[] {
    return this.ua.pending(nexusId);
  }

  takeUnitAttention(nexusId: string): SenseReason | undefined {
    return this.ua.take(nexusId);
  }

  /** LOGICAL UNIT RESET side effects on LU state (SAM-5 §6.3.3): the SPC-2 reservation is released; PR state stays. */
  resetState(): void {
    this.holder = undefined;
  }

  // ---- SPC-2 reservations ----

  get spc2Holder(): string | undefined {
    return this.holder;
  }
  spc2Reserve(nexusId: string): void {
    this.holder = nexusId;
  }
  spc2Release(nexusId: string): void {
    if (this.holder === nexusId) this.holder = undefined;
  }

  // ---- persistent reservations ----

  get prState(): PrStateJson {
    return this.pr;
  }

  /** A copy of the PR state (for mirroring to a peer). */
  exportPrState(): PrStateJson {
    return clonePrState(this.pr);
  }

  /** Replace the PR state (a peer's mirror update); no unit attentions are raised, nothing is persisted. */
  importPrState(s: PrStateJson): void {
    this.pr = clonePrState(s);
  }

  /** The HA contract's name for importPrState: apply the owner's PR state on the peer. */
  applyPrState(s: PrStateJson): void {
    this.importPrState(s);
  }

  prExclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.prChain.then(fn, fn);
    this.prChain = run.catch(() => undefined);
    return run;
  }

  async commitPr(result: PrOutResult): Promise<boolean> {
    try {
      await this.persist(clonePrState(result.state));
    } catch {
      return false;
    }
    this.pr = result.state;
    const byReason = new Map<SenseReason, Array<{ initiatorPort: string; targetPort: string }>>();
    for (const u of result.uas) {
      for (const [id, n] of this.nexuses) if (regMatches(u, n)) this.ua.queue(id, u.reason);
      let list = byReason.get(u.reason);
      if (!list) byReason.set(u.reason, (list = []));
      list.push({ initiatorPort: u.initiatorPort, targetPort: u.targetPort });
    }
    for (const [reason, only] of byReason) this.callBroadcast(reason, undefined, only);
    return true;
  }

  // ---- ALUA ----

  aluaState(targetPortGroupId: number): AluaStateName {
    return this.alua.get(targetPortGroupId) ?? 'active-optimized';
  }

  /**
   * Change the access state through a target port group (the HA work drives this).
   * SPC-4 §5.16.2.6: an implicit change establishes ASYMMETRIC ACCESS STATE CHANGED
   * for every I_T nexus (an explicit one, SET TARGET PORT GROUPS, for every nexus but
   * the one it came on: aluaStateChanged(exceptNexusId)).
   */
  setAluaState(targetPortGroupId: number, state: AluaStateName): void {
    if (this.aluaState(targetPortGroupId) === state) return;
    this.alua.set(targetPortGroupId, state);
    this.aluaStateChanged();
  }

  /**
   * The access state changed (an AccessRouter's state moved): ASYMMETRIC ACCESS STATE
   * CHANGED (2Ah/06h) for every local nexus except `exceptNexusId` (the SET TARGET PORT
   * GROUPS issuer, SPC-4 §5.16.2.6), broadcast to the peer.
   */
  aluaStateChanged(exceptNexusId?: string): void {
    this.raiseUnitAttention('UaAsymmetricAccessStateChanged', exceptNexusId);
  }
}
