/**
 * A controller's lease in the shared store (docs/ha.md "Failure detection, fencing,
 * takeover": each controller renews every 200 ms with leaseMs 800 ms; a controller whose
 * renewal finds itself fenced, epoch bumped, stops serving at once). The peer's lease
 * answers the split-brain question: link lost but the peer's lease still valid ⇒ the
 * peer is alive ⇒ no takeover.
 *
 * Failure semantics: a renewal that throws (database busy beyond busy_timeout, I/O
 * error) is reported through onError and retried on the next interval; the local
 * expiresAt is not extended, so `holdsValidLease()` turns false by itself when renewals
 * keep failing, and the runtime must stop serving then as well.
 */
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { LeaseRecord, LeaseRenewOutcome } from '../store/lease-repo.js';

/** What ControllerLease needs from the store (LeaseRepo implements it). */
export interface LeaseStore {
  acquire(name: string, holder: string, now: number, leaseMs: number): LeaseRecord;
  renew(name: string, epoch: number, now: number, leaseMs: number): LeaseRenewOutcome;
  fence(name: string, now: number): number;
  release(name: string, epoch: number, now: number): void;
  isValid(name: string, now: number): boolean;
  get(name: string): LeaseRecord | undefined;
}

export interface ControllerLeaseOptions {
  /** Controller name ('A'). */
  readonly name: string;
  /** Incarnation id of this process (boot id). */
  readonly holder: string;
  readonly clock: Clock;
  /** Lease duration (default 800 ms). */
  readonly leaseMs?: number;
  /** Renewal interval (default 200 ms); must be below leaseMs. */
  readonly renewMs?: number;
  /** Called once when a renewal finds the epoch bumped: stop serving at once. */
  readonly onFenced?: (epoch: number) => void;
  /** Called when a renewal throws (it is retried on the next interval). */
  readonly onError?: (err: unknown) => void;
}

export const DEFAULT_LEASE_MS = 800;
export const DEFAULT_LEASE_RENEW_MS = 200;

export class ControllerLease {
  readonly name: string;
  readonly leaseMs: number;
  readonly renewMs: number;
  private myEpoch: number | undefined;
  private myExpiresAt = 0;
  private fenced = false;
  private timer: TimerHandle | undefined;

  constructor(private readonly store: LeaseStore, private readonly opts: ControllerLeaseOptions) {
    this.name = opts.name;
    this.leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    this.renewMs = opts.renewMs ?? DEFAULT_LEASE_RENEW_MS;
    if (!(this.renewMs > 0 && this.renewMs < this.leaseMs)) {
      throw new RangeError(`lease renewal interval (${this.renewMs} ms) must be positive and shorter than the lease (${this.leaseMs} ms)`);
    }
  }

  /** The epoch this process holds; undefined before acquire(). */
  get epoch(): number | undefined {
    return this.myEpoch;
  }

  get isFenced(): boolean {
    return this.fenced;
  }

  /** Takes the lease (bumping the epoch, which fences any older process of this name). */
  acquire(): LeaseRecord {
    const now = this.opts.clock.now();
    const rec = this.store.acquire(this.name, this.opts.holder, now, this.leaseMs);
    this.myEpoch = rec.epoch;
    this.myExpiresAt = rec.expiresAt;
    this.fenced = false;
    return rec;
  }

  /** One renewal. 'fenced' when the epoch was bumped by a fencer (or never acquired). */
  renew(): LeaseRenewOutcome {
    if (this.myEpoch === undefined || this.fenced) return 'fenced';
    const now = this.opts.clock.now();
    const r = this.store.renew(this.name, this.myEpoch, now, this.leaseMs);
    if (r === 'ok') this.myExpiresAt = now + this.leaseMs;
    else this.fenced = true;
    return r;
  }

  /** True while this process holds an unexpired lease it has not lost to a fencer. */
  holdsValidLease(now = this.opts.clock.now()): boolean {
    return !this.fenced && this.myEpoch !== undefined && now < this.myExpiresAt;
  }

  /** Is another controller's lease valid in the store now? */
  isValid(peer: string, now = this.opts.clock.now()): boolean {
    return this.store.isValid(peer, now);
  }

  /** Fences a peer: bumps its epoch and expires its lease, atomically. Returns the new epoch. */
  fence(peer: string): number {
    return this.store.fence(peer, this.opts.clock.now());
  }

  /** Acquires (if needed) and renews every renewMs until stop() or fencing. */
  start(): void {
    if (this.timer !== undefined) return;
    if (this.myEpoch === undefined) this.acquire();
    this.timer = this.opts.clock.setInterval(() => this.tick(), this.renewMs);
  }

  private tick(): void {
    let r: LeaseRenewOutcome;
    try {
      r = this.renew();
    } catch (err) {
      this.opts.onError?.(err);
      return;
    }
    if (r === 'fenced') {
      this.stop();
      this.opts.onFenced?.(this.store.get(this.name)?.epoch ?? -1);
    }
  }

  stop(): void {
    if (this.timer !== undefined) this.opts.clock.clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Clean shutdown: stop renewing and expire the lease so the peer need not wait for it. */
  release(): void {
    this.stop();
    if (this.myEpoch !== undefined && !this.fenced) this.store.release(this.name, this.myEpoch, this.opts.clock.now());
    this.myExpiresAt = 0;
  }
}
