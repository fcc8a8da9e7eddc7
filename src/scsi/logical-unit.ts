/**
 * A logical unit (SAM-5 §4.6.4) of the SCSI core: a BlockDevice plus the per-LU state
 * SPC-4 keeps — unit attention conditions per I_T nexus (SAM-5 §5.14), the SPC-2
 * RESERVE holder, persistent reservations (SPC-4 §5.9, pure model in pr/), mode
 * parameters (spc/mode-state.ts), ALUA access state per target port group (SPC-4 §5.16)
 * and the range lock that serialises overlapping writers (COMPARE AND WRITE atomicity).
 *
 * The state a host sets (lu-state.ts: PR state, SPC-2 holder, mode values) belongs to
 * the array, not to this object (docs/ha.md «LU state belongs to the array»): every
 * change goes through `state.save` — the state store, written by the volume's owner —
 * before it is applied here and before the command that made it completes. Changes are
 * serialised (exclusive()): each is computed from the state as the one before left it.
 * A change a host command makes is refused unless saved ('not-owner': this controller
 * may not change it, the host retries); a change an event makes (I_T nexus loss, a
 * reset) is applied here whatever the outcome, because the event happened — the owner
 * applies it too and saves it. loadState() replaces the state with the one in the store
 * (a controller that gains ownership, a mirror update from the owner).
 *
 * Durable unit attentions (lu-state.ts isDurableUa): the PR conditions are saved with
 * the PR OUT that raised them and handed back by `state.pendingFor` when their nexus
 * appears here; `state.reported` removes one once it is reported (or replaced by a reset
 * condition).
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
import {
  cloneLuState, emptyLuState, isDurableUa, luStateAfterNexusLoss, luStateAfterReset, luStateKeepingNexuses,
  type DurableUa, type KnownNexus, type LuCommit, type LuCommitOutcome, type LuStateJson, type LuStatePersistence,
} from './lu-state.js';
import type { PrOutResult } from './pr/pr-out-logic.js';
import { clonePrState, regMatches, type PrStateJson } from './pr/pr-state.js';
import { RangeLock } from './range-lock.js';
import type { SenseReason } from './sense.js';
import { ModeState, sameModeValues, type ModeValues } from './spc/mode-state.js';
import type { ItNexus } from './types.js';
import { UnitAttentionQueues } from './unit-attention.js';

/** The I_T nexuses (initiator port + target port) a unit attention is for. */
export type UaTargets = ReadonlyArray<{ initiatorPort: string; targetPort: string }>;

export interface LogicalUnitOptions {
  identity: LuIdentity;
  device: BlockDevice;
  writeProtected?: boolean;
  /** Absent: kept in memory only (saved at once). */
  state?: LuStatePersistence;
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

const IN_MEMORY: LuStatePersistence = { save: async () => 'saved' };

export class LogicalUnit implements CoreLu {
  readonly identity: LuIdentity;
  readonly device: BlockDevice;
  readonly lock = new RangeLock();
  readonly mode = new ModeState();
  private operatorWriteProtect: boolean;
  private readonly ua = new UnitAttentionQueues();
  private readonly nexuses = new Map<string, KnownNexus>();
  private st: LuStateJson;
  private readonly store: LuStatePersistence;
  private chain: Promise<unknown> = Promise.resolve();
  private inChain = 0;
  private readonly alua = new Map<number, AluaStateName>();
  private readonly broadcast: ((reason: SenseReason, exceptNexusId?: string, only?: UaTargets) => void) | undefined;
  readonly onTasksAborted: ((nexusIds: string[]) => void | Promise<void>) | undefined;

  constructor(opts: LogicalUnitOptions) {
    this.identity = opts.identity;
    this.device = opts.device;
    this.operatorWriteProtect = opts.writeProtected ?? false;
    this.store = opts.state ?? IN_MEMORY;
    this.st = opts.state?.initial ? cloneLuState(opts.state.initial) : emptyLuState();
    this.mode.apply(this.st.mode);
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

  /** A nexus reaches this LU: it gets the durable unit attentions kept for it. */
  attachNexus(nexus: ItNexus): void {
    if (this.nexuses.has(nexus.id)) return;
    const n = { initiatorPort: nexus.initiatorPort, targetPort: nexus.targetPort };
    this.nexuses.set(nexus.id, n);
    for (const r of this.store.pendingFor?.(n) ?? []) this.queueFor(nexus.id, r);
  }

  /**
   * I_T nexus loss (SAM-5 §6.3.4): its unit attentions go (durable ones stay in the store
   * for the next nexus of that registration), its SPC-2 reservation is released.
   */
  detachNexus(nexusId: string): Promise<LuCommitOutcome | undefined> {
    this.nexuses.delete(nexusId);
    this.ua.drop(nexusId);
    return this.releaseNexus(nexusId);
  }

  /** The loss of a nexus of another controller (its peer service says so): only the LU state is concerned. */
  releaseNexus(nexusId: string): Promise<LuCommitOutcome | undefined> {
    return this.event((s) => luStateAfterNexusLoss(s, nexusId));
  }

  /** Only the nexuses in `live` are left (the peer controller died with its nexuses): SPC-2 reservations of others are released. */
  keepOnlyNexuses(live: ReadonlySet<string>): Promise<LuCommitOutcome | undefined> {
    return this.event((s) => luStateKeepingNexuses(s, live));
  }

  knownNexusIds(): string[] {
    return [...this.nexuses.keys()];
  }

  /** Queue for the local nexuses only (every one, or those `only` names); never calls the broadcast hook. */
  queueUnitAttention(reason: SenseReason, exceptNexusId?: string, only?: UaTargets): void {
    for (const [id, n] of this.nexuses) {
      if (id === exceptNexusId) continue;
      if (only && !only.some((t) => regMatches(t, n))) continue;
      this.queueFor(id, reason);
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
    this.queueFor(nexusId, reason);
  }

  private queueFor(nexusId: string, reason: SenseReason): void {
    for (const gone of this.ua.queue(nexusId, reason)) this.durableDone(nexusId, gone);
  }

  pendingUnitAttentions(nexusId: string): readonly SenseReason[] {
    return this.ua.pending(nexusId);
  }

  takeUnitAttention(nexusId: string): SenseReason | undefined {
    const r = this.ua.take(nexusId);
    if (r !== undefined) this.durableDone(nexusId, r);
    return r;
  }

  private durableDone(nexusId: string, reason: SenseReason): void {
    const n = this.nexuses.get(nexusId);
    if (!n || !isDurableUa(reason) || !this.store.reported) return;
    try {
      this.store.reported(n, reason);
    } catch {
      // Reported twice at worst, after this nexus comes back through another controller.
    }
  }

  /** LOGICAL UNIT RESET side effects on LU state (SAM-5 §6.3.3): the SPC-2 reservation is released; PR state stays. */
  reset(): Promise<LuCommitOutcome | undefined> {
    return this.event(luStateAfterReset);
  }

  // ---- the LU state: serialised changes, saved before applied ----

  /** Runs `fn` after every change queued before it has been saved and applied (and before any queued after). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.inChain++;
    const run = this.chain.then(fn, fn);
    this.chain = run.then(() => undefined, () => undefined).finally(() => { this.inChain--; });
    return run;
  }

  /** The PR OUT name of exclusive(). */
  prExclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.exclusive(fn);
  }

  /** A promise for the end of the changes queued now; undefined when none is (the common case: no extra turn). */
  settled(): Promise<void> | undefined {
    return this.inChain > 0 ? this.chain.then(() => undefined) : undefined;
  }

  /** A copy of the whole LU state. */
  exportState(): LuStateJson {
    return cloneLuState(this.st);
  }

  /** Replace the LU state with the one the store (or the owner) has; no unit attentions, nothing saved. */
  loadState(s: LuStateJson): void {
    this.apply(cloneLuState(s));
  }

  /** The nexuses known here get the durable unit attentions the store keeps for them (raised where this controller did not hear of them). */
  requeueKeptUnitAttentions(): void {
    for (const [id, n] of this.nexuses) for (const r of this.store.pendingFor?.(n) ?? []) this.queueFor(id, r);
  }

  private apply(s: LuStateJson): void {
    this.st = s;
    this.mode.apply(s.mode);
  }

  private async commit(next: LuStateJson, uas: DurableUa[], cause: LuCommit['cause']): Promise<LuCommitOutcome> {
    let outcome: LuCommitOutcome;
    try {
      outcome = await this.store.save({ state: cloneLuState(next), uas: uas.map((u) => ({ ...u })), cause });
    } catch {
      outcome = 'failed';
    }
    if (outcome === 'saved' || cause === 'event') this.apply(next);
    return outcome;
  }

  private event(f: (s: LuStateJson) => LuStateJson | undefined): Promise<LuCommitOutcome | undefined> {
    // Nothing queued and nothing to change (almost every nexus loss): no turn of the chain.
    if (this.inChain === 0 && f(this.st) === undefined) return Promise.resolve(undefined);
    return this.exclusive(async () => {
      const next = f(this.st);
      return next ? this.commit(next, [], 'event') : undefined;
    });
  }

  // ---- SPC-2 reservations (call inside exclusive()) ----

  get spc2Holder(): string | undefined {
    return this.st.spc2Holder ?? undefined;
  }
  spc2Reserve(nexusId: string): Promise<LuCommitOutcome> {
    if (this.st.spc2Holder === nexusId) return Promise.resolve('saved');
    return this.commit({ ...cloneLuState(this.st), spc2Holder: nexusId }, [], 'command');
  }
  spc2Release(nexusId: string): Promise<LuCommitOutcome> {
    if (this.st.spc2Holder !== nexusId) return Promise.resolve('saved');
    return this.commit({ ...cloneLuState(this.st), spc2Holder: null }, [], 'command');
  }

  // ---- mode parameters (call inside exclusive()) ----

  /** MODE SELECT: save and apply new current values; 'saved' also when nothing changed. */
  commitMode(values: ModeValues): Promise<LuCommitOutcome> {
    if (sameModeValues(this.st.mode, values)) return Promise.resolve('saved');
    return this.commit({ ...cloneLuState(this.st), mode: { ...values } }, [], 'command');
  }

  // ---- persistent reservations ----

  get prState(): PrStateJson {
    return this.st.pr;
  }

  /** A copy of the PR state. */
  exportPrState(): PrStateJson {
    return clonePrState(this.st.pr);
  }

  /** Replace the PR state (a mirror update); no unit attentions are raised, nothing is saved. */
  importPrState(s: PrStateJson): void {
    this.apply({ ...cloneLuState(this.st), pr: clonePrState(s) });
  }

  /** The HA contract's name for importPrState: apply the owner's PR state on the peer. */
  applyPrState(s: PrStateJson): void {
    this.importPrState(s);
  }

  /** Save (before acknowledging) and apply a PR OUT result, with its unit attentions (call inside exclusive()). */
  async commitPr(result: PrOutResult): Promise<LuCommitOutcome> {
    const uas = result.uas.map((u) => ({ initiatorPort: u.initiatorPort, targetPort: u.targetPort, reason: u.reason }));
    const outcome = await this.commit({ ...cloneLuState(this.st), pr: clonePrState(result.state) }, uas.filter((u) => isDurableUa(u.reason)), 'command');
    if (outcome !== 'saved') return outcome;
    const byReason = new Map<SenseReason, Array<{ initiatorPort: string; targetPort: string }>>();
    for (const u of uas) {
      for (const [id, n] of this.nexuses) if (regMatches(u, n)) this.queueFor(id, u.reason);
      let list = byReason.get(u.reason);
      if (!list) byReason.set(u.reason, (list = []));
      list.push({ initiatorPort: u.initiatorPort, targetPort: u.targetPort });
    }
    for (const [reason, only] of byReason) this.callBroadcast(reason, undefined, only);
    return outcome;
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
