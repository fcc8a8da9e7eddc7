/**
 * Host failover modes 0–4 for I/O that reaches the controller that does NOT own the
 * volume (EMC VNX/CLARiiON "LUN trespassing", VNX note in docs/sources.md; docs/ha.md "I/O on the
 * non-owner"). Pure: the decision function that applies the mode table of
 * src/cluster/failover-modes.ts, and the ALUA implicit-trespass counter (mode 4: "If the
 * non-optimized SP processes 64,000 or more I/Os than the optimal SP, the array will
 * change the ownership to the non-optimal SP").
 *
 * Scope of decideNonOwnerIo(): commands that need the owner (media access, TEST UNIT
 * READY, ...). Commands allowed in every ALUA state (INQUIRY, REPORT LUNS, REPORT
 * TARGET PORT GROUPS, REQUEST SENSE) are answered locally before this is asked.
 */
import { DEFAULT_ALUA_TRESPASS_THRESHOLD, type FailoverMode } from '../cluster/index.js';
import type { SenseReason } from '../scsi/sense.js';

/** Why the owner cannot be asked: the decision differs between a dead owner and a cut link. */
export type OwnerReachability =
  /** Peer link up: forwarding and cooperative trespass are possible. */
  | 'reachable'
  /** Peer link down, owner fenced/failed (its lease expired): taking the volume over is safe. */
  | 'failed'
  /** Peer link down but the owner's lease is still valid: split brain risk, never take over. */
  | 'isolated';

export interface NonOwnerIoInput {
  readonly mode: FailoverMode;
  /** The volume's auto-trespass flag (mode 0 only). */
  readonly autoTrespass: boolean;
  /** TEST UNIT READY (00h); mode 3 answers it GOOD. */
  readonly isTestUnitReady: boolean;
  /** Is the owner reachable over the peer link? A boolean means 'reachable' / 'isolated'. */
  readonly peerReachable: boolean | OwnerReachability;
}

export type NonOwnerIoDecision =
  | { readonly kind: 'forward' }
  | { readonly kind: 'trespass' }
  | { readonly kind: 'reject'; readonly reason: SenseReason }
  | { readonly kind: 'good' };

const FORWARD = Object.freeze({ kind: 'forward' } as const);
const TRESPASS = Object.freeze({ kind: 'trespass' } as const);
const GOOD_DECISION = Object.freeze({ kind: 'good' } as const);
const reject = (reason: SenseReason): NonOwnerIoDecision => ({ kind: 'reject', reason });

/**
 * What the non-owning controller does with a command that needs the owner.
 * - 'trespass' means: move ownership here (store compare-and-set), then execute locally
 *   and queue UA 2Ah/06h to every other nexus.
 * - When the owner is isolated (link cut, lease valid), nothing trespasses and nothing
 *   forwards: the command gets NOT READY 04h/0Bh (this port behaves as standby), except
 *   that modes 1 and 3 keep their own answers, which never needed the owner.
 * - When the owner has failed (fenced), every mode takes the volume over, like the VNX
 *   "internal trespass" when the peer SP is dead.
 */
export function decideNonOwnerIo(input: NonOwnerIoInput): NonOwnerIoDecision {
  const reach: OwnerReachability = input.peerReachable === true ? 'reachable'
    : input.peerReachable === false ? 'isolated' : input.peerReachable;
  const { mode } = input;
  if (mode === 1) return reject('NotReadyManualIntervention');
  if (mode === 3) return input.isTestUnitReady ? GOOD_DECISION : reject('NotReadyManualIntervention');
  // A TEST UNIT READY is a path check, not I/O (VNX: "I/O ... trespasses"): where I/O
  // would trespass it answers GOOD (the path works), so a host's TUR path checker on
  // every path does not bounce the volume between the controllers.
  const trespassOrGood = input.isTestUnitReady ? GOOD_DECISION : TRESPASS;
  if (reach === 'failed') return trespassOrGood;
  if (mode === 0) {
    if (!input.autoTrespass) return reject('NotReadyManualIntervention');
    return reach === 'reachable' ? trespassOrGood : reject('NotReadyAluaStandby');
  }
  if (mode === 2) return reach === 'reachable' ? trespassOrGood : reject('NotReadyAluaStandby');
  return reach === 'reachable' ? FORWARD : reject('NotReadyAluaStandby');
}

/** Per-volume counts of I/Os served per receiving controller. */
export type IoCounts = Readonly<Record<string, number>>;

/**
 * Mode 4 implicit trespass: counts, per volume, the I/Os that arrived on each
 * controller (the owner counts both its own and forwarded ones). record() answers
 * 'trespass' once the receiving non-owner has served `threshold` or more I/Os than the
 * owner, and then resets that volume's counts (as after any trespass).
 */
export class AluaTrespassCounter {
  readonly threshold: number;
  private readonly counts = new Map<string, Map<string, number>>();

  constructor(opts: { threshold?: number } = {}) {
    const t = opts.threshold ?? DEFAULT_ALUA_TRESPASS_THRESHOLD;
    if (!Number.isInteger(t) || t < 1) throw new RangeError(`ALUA trespass threshold must be a positive integer, got ${t}`);
    this.threshold = t;
  }

  /**
   * Counts one I/O for volumeId received on `controller` while `owner` owns it.
   * Returns 'trespass' when the volume should move to `controller`.
   */
  record(volumeId: string, controller: string, owner: string): 'trespass' | undefined {
    let m = this.counts.get(volumeId);
    if (!m) { m = new Map(); this.counts.set(volumeId, m); }
    const n = (m.get(controller) ?? 0) + 1;
    m.set(controller, n);
    if (controller === owner) return undefined;
    if (n - (m.get(owner) ?? 0) >= this.threshold) {
      this.counts.delete(volumeId);
      return 'trespass';
    }
    return undefined;
  }

  /** Forget a volume's counts (call on every trespass, whatever its cause). */
  reset(volumeId: string): void {
    this.counts.delete(volumeId);
  }

  countsFor(volumeId: string): IoCounts {
    return Object.fromEntries(this.counts.get(volumeId) ?? []);
  }

  /** JSON snapshot of every count (for `controller show` and tests). */
  snapshot(): Record<string, IoCounts> {
    const out: Record<string, IoCounts> = {};
    for (const [v, m] of this.counts) out[v] = Object.fromEntries(m);
    return out;
  }
}
