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

export interface LogicalUnitOptions {
  identity: LuIdentity;
  device: BlockDevice;
  writeProtected?: boolean;
  pr?: { initial?: PrStateJson; persist: (s: PrStateJson) => Promise<void> };
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

  constructor(opts: LogicalUnitOptions) {
    this.identity = opts.identity;
    this.device = opts.device;
    this.operatorWriteProtect = opts.writeProtected ?? false;
    this.pr = opts.pr?.initial ? clonePrState(opts.pr.initial) : emptyPrState();
    this.persist = opts.pr?.persist ?? (async () => {});
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
    this.queueUnitAttention('UaCapacityDataChanged');
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

  queueUnitAttention(reason: SenseReason, exceptNexusId?: string): void {
    for (const id of this.nexuses.keys()) if (id !== exceptNexusId) this.ua.queue(id, reason);
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

  /** Replace the PR state (a peer's mirror update); no unit attentions are raised. */
  importPrState(s: PrStateJson): void {
    this.pr = clonePrState(s);
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
    for (const u of result.uas) {
      for (const [id, n] of this.nexuses) if (regMatches(u, n)) this.ua.queue(id, u.reason);
    }
    return true;
  }

  // ---- ALUA ----

  aluaState(targetPortGroupId: number): AluaStateName {
    return this.alua.get(targetPortGroupId) ?? 'active-optimized';
  }

  /**
   * Change the access state through a target port group (the HA work drives this).
   * SPC-4 §5.16.2.6: an implicit change establishes ASYMMETRIC ACCESS STATE CHANGED
   * for every I_T nexus other than the one that caused it.
   */
  setAluaState(targetPortGroupId: number, state: AluaStateName): void {
    if (this.aluaState(targetPortGroupId) === state) return;
    this.alua.set(targetPortGroupId, state);
    this.queueUnitAttention('UaAsymmetricAccessStateChanged');
  }
}
