/**
 * Runs the pure failover machine (failover-machine.ts): keeps the snapshot, owns the
 * tick and failback timers (injected Clock), executes effects through handlers, and
 * feeds their outcomes back as events (lease-check, fence-done / fence-failed).
 * bindPeerLink() turns PeerLink events into machine events.
 *
 * Failure semantics: effects run in order; a handler that throws or rejects is reported
 * through onError and does not stop later effects. A fence handler that throws counts
 * as 'fence-failed' (the machine retries; nothing is taken over).
 */
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Severity } from '../lib/severity.js';
import type { FailoverEffect, FailoverEvent, FailoverMachine, FailoverSnapshot, FailoverTimer } from './failover-machine.js';
import type { PeerLink } from './peer-link.js';

export interface FailoverHandlers {
  /** Is the peer's lease valid in the store now? */
  checkPeerLease(peer: string): boolean | Promise<boolean>;
  /** Ask the fence agent to stop the peer and bump its lease epoch; resolve when done. */
  fencePeer(peer: string): void | Promise<void>;
  takeOverVolumes(from: string): void | Promise<void>;
  takeOverAddresses(from: string): void | Promise<void>;
  releaseAddresses(to: string): void | Promise<void>;
  failbackVolumes(to: string): void | Promise<void>;
  recordEvent(e: { severity: Severity; short: string; long: string }): void;
  raiseAlert(a: { id: string; severity: Severity; message: string }): void;
  clearAlert(id: string): void;
  /** Every transition (for logs and `controller show`). */
  onTransition?(prev: FailoverSnapshot, next: FailoverSnapshot, event: FailoverEvent): void;
  onError?(err: unknown, effect: FailoverEffect): void;
}

export class FailoverRunner {
  private s: FailoverSnapshot;
  private readonly timers = new Map<FailoverTimer, { handle: TimerHandle; repeat: boolean }>();
  private stopped = false;

  constructor(private readonly machine: FailoverMachine, private readonly handlers: FailoverHandlers, private readonly clock: Clock) {
    const [s, fx] = machine.initial();
    this.s = s;
    this.pendingInitial = fx;
  }

  private pendingInitial: FailoverEffect[] | undefined;

  get snapshot(): FailoverSnapshot {
    return this.s;
  }

  /** Starts the timers the initial state asks for. */
  start(): void {
    const fx = this.pendingInitial ?? [];
    this.pendingInitial = undefined;
    this.run(fx);
  }

  /**
   * Applies an event. Events raised while effects run (a synchronous lease check or
   * fence) are queued and applied after the current effects, in order.
   */
  dispatch(event: FailoverEvent): void {
    if (this.stopped) return;
    this.queue.push(event);
    if (this.draining) return;
    this.draining = true;
    try {
      for (let e = this.queue.shift(); e !== undefined && !this.stopped; e = this.queue.shift()) {
        const prev = this.s;
        const [next, fx] = this.machine.transition(prev, e);
        this.s = next;
        if (next !== prev) this.handlers.onTransition?.(prev, next, e);
        this.run(fx);
      }
    } finally {
      this.draining = false;
      this.queue.length = 0;
    }
  }

  private readonly queue: FailoverEvent[] = [];
  private draining = false;

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.keys()) this.stopTimer(t);
  }

  private run(fx: readonly FailoverEffect[]): void {
    for (const f of fx) {
      try {
        const r = this.exec(f);
        if (r instanceof Promise) r.catch((err: unknown) => this.failed(err, f));
      } catch (err) {
        this.failed(err, f);
      }
    }
  }

  private failed(err: unknown, f: FailoverEffect): void {
    this.handlers.onError?.(err, f);
    if (f.type === 'fence-peer') this.dispatch({ type: 'fence-failed', error: err instanceof Error ? err.message : String(err) });
  }

  private exec(f: FailoverEffect): void | Promise<void> {
    const h = this.handlers;
    switch (f.type) {
      case 'check-peer-lease': {
        const v = h.checkPeerLease(f.peer);
        if (v instanceof Promise) return v.then((peerLeaseValid) => this.dispatch({ type: 'lease-check', peerLeaseValid }));
        this.dispatch({ type: 'lease-check', peerLeaseValid: v });
        return;
      }
      case 'fence-peer': {
        const r = h.fencePeer(f.peer);
        if (r instanceof Promise) return r.then(() => this.dispatch({ type: 'fence-done' }));
        this.dispatch({ type: 'fence-done' });
        return;
      }
      case 'take-over-volumes': return h.takeOverVolumes(f.from);
      case 'take-over-addresses': return h.takeOverAddresses(f.from);
      case 'release-addresses': return h.releaseAddresses(f.to);
      case 'failback-volumes': return h.failbackVolumes(f.to);
      case 'record-event': h.recordEvent({ severity: f.severity, short: f.short, long: f.long }); return;
      case 'raise-alert': h.raiseAlert({ id: f.id, severity: f.severity, message: f.message }); return;
      case 'clear-alert': h.clearAlert(f.id); return;
      case 'start-timer': this.startTimer(f.timer, f.ms, f.repeat); return;
      case 'stop-timer': this.stopTimer(f.timer); return;
    }
  }

  private startTimer(t: FailoverTimer, ms: number, repeat: boolean): void {
    this.stopTimer(t);
    const fire = (): void => {
      if (!repeat) this.timers.delete(t);
      this.dispatch(t === 'tick' ? { type: 'tick' } : { type: 'failback-timer' });
    };
    const handle = repeat ? this.clock.setInterval(fire, ms) : this.clock.setTimeout(fire, ms);
    this.timers.set(t, { handle, repeat });
  }

  private stopTimer(t: FailoverTimer): void {
    const x = this.timers.get(t);
    if (!x) return;
    if (x.repeat) this.clock.clearInterval(x.handle); else this.clock.clearTimeout(x.handle);
    this.timers.delete(t);
  }
}

/** Feeds a PeerLink's events into a runner; returns an unbind function. */
export function bindPeerLink(link: PeerLink, runner: FailoverRunner): () => void {
  const up = (hello: { incarnation: string }): void => {
    runner.dispatch({ type: 'link-up' });
    runner.dispatch({ type: 'peer-hello', incarnation: hello.incarnation });
  };
  const down = (info: { reason: string }): void => runner.dispatch({ type: 'link-down', reason: info.reason });
  const hb = (h: { seq: number }): void => runner.dispatch({ type: 'heartbeat', seq: h.seq });
  link.on('up', up);
  link.on('down', down);
  link.on('heartbeat', hb);
  return () => {
    link.off('up', up);
    link.off('down', down);
    link.off('heartbeat', hb);
  };
}
