/**
 * The engine of a multipath device: the set of paths, the path checker, ALUA
 * priorities, explicit failover, the no-path queue and the I/O retry loop.
 * multipath-device.ts maps BlockDevice calls onto execute().
 *
 * Retry rules (see classify.ts for the verdicts):
 *  - a command goes to a path chosen by the selector among the alive paths of the best
 *    group; on 'path-failed' the path is marked dead (io-failed) and the command is
 *    re-issued on another path; on 04h/0Ah, 0Bh, 0Ch the path leaves 'alive' (io-sense),
 *    RTPG is re-read and the command is re-issued elsewhere; on UA 2Ah/06h RTPG is re-read
 *    first; on UA 2Ah/09h the capacity is re-read; other UAs and BUSY-like answers are
 *    retried (at most maxRetries times); 'fatal' verdicts go back to the caller.
 *  - no usable path (queue_if_no_path with no_path_retry): the command waits. While no
 *    path is alive or transitioning for noPathRetryMs, the device fails every waiting
 *    and every new command with EIO ("fail fast") until a path is reinstated.
 *    noPathRetryMs = Infinity queues forever; 0 fails at once.
 * So an error reaches the caller only for a fatal SCSI answer, after maxRetries
 * transient answers, or when no path could do I/O for noPathRetryMs.
 */
import type { Logger } from '../lib/logger.js';
import type { Clock, TimerHandle } from '../lib/clock.js';
import * as wire from '../scsi/wire/index.js';
import { classify, fatalError, MultipathIoError } from './classify.js';
import { MpPath } from './mp-path.js';
import { NoPathQueue } from './no-path-queue.js';
import { bestUsablePaths, buildPathGroups, followedState, type PathGroup } from './path-groups.js';
import { initialSnapshot, transition, type PathEvent, type PathTiming } from './path-state.js';
import type { PathTransport, ScsiRequest } from './path-transport.js';
import { chooseFailoverTarget } from './explicit-failover.js';
import { runPathCheck, type CheckContext } from './path-checker.js';
import { describe, probeCommand, type DeviceIdentity, type PathProbe } from './probe.js';
import { createSelector, type PathSelector, type SelectorName } from './selector.js';

export interface CoreOptions {
  name: string;
  selector: SelectorName;
  checkerIntervalMs: number;
  noPathRetryMs: number;
  explicitFailover: boolean;
  logger: Logger;
  clock: Clock;
  timing: PathTiming;
  retryDelayMs: number;
  maxRetries: number;
  commandTimeoutMs?: number;
  checkerTimeoutMs?: number;
}

export class MultipathCore {
  readonly paths = new Map<string, MpPath>();
  readonly tpgPref = new Map<number, boolean>();
  readonly tpgState = new Map<number, wire.AluaStateName>();
  private readonly selector: PathSelector;
  private readonly noPath: NoPathQueue;
  private aluaRefresh: Promise<void> | undefined;
  private aluaAgain = false;
  private stpgInFlight = false;
  private lastStpgAt = -Infinity;
  private checkerHandle: TimerHandle | undefined;
  /** Pending one-shot timers (check-soon, back-off sleeps) and what they run. */
  private timers = new Map<TimerHandle, () => void>();
  private closed = false;
  /** Called on UA 2Ah/09h; set by the device. */
  onCapacityChanged: () => Promise<void> = async () => {};

  private readonly checkContext: CheckContext;

  constructor(readonly identity: DeviceIdentity, readonly key: string, readonly o: CoreOptions) {
    this.selector = createSelector(o.selector);
    this.noPath = new NoPathQueue({ name: o.name, noPathRetryMs: o.noPathRetryMs, clock: o.clock, logger: o.logger });
    this.checkContext = {
      name: o.name,
      key,
      logger: o.logger,
      timeoutMs: o.checkerTimeoutMs,
      now: () => o.clock.now(),
      knownState: (tpg) => this.tpgState.get(tpg),
      event: (p, ev) => this.event(p, ev),
      onCapacityChanged: () => this.onCapacityChanged(),
    };
  }

  get queued(): number {
    return this.noPath.queued;
  }

  get failingFast(): boolean {
    return this.noPath.failingFast;
  }

  get selectorName(): SelectorName {
    return this.selector.name;
  }

  /** Add a path; `probe` undefined means it could not be probed yet (kept dead until verified). */
  addPath(t: PathTransport, probe: PathProbe | undefined): MpPath {
    if (this.paths.has(t.id)) throw new Error(`path ${t.id} is already part of ${this.o.name}`);
    const alua: wire.AluaStateName = this.identity.tpgs === 0 ? 'active-optimized' : (probe?.port.targetPortGroup !== undefined ? this.tpgState.get(probe.port.targetPortGroup) : undefined) ?? 'active-optimized';
    const snap = initialSnapshot({ reachable: probe !== undefined && t.connected, linkUp: t.connected, alua, at: this.o.clock.now() });
    const listeners = { up: (): void => this.event(p, { type: 'link-up', at: this.o.clock.now() }), down: (): void => this.event(p, { type: 'link-down', at: this.o.clock.now() }) };
    const where: { verified: boolean; tpg?: number; relPort?: number } = { verified: probe !== undefined };
    if (probe?.port.targetPortGroup !== undefined) where.tpg = probe.port.targetPortGroup;
    if (probe?.port.relativeTargetPort !== undefined) where.relPort = probe.port.relativeTargetPort;
    const p = new MpPath(t, snap, where, listeners);
    t.on('up', listeners.up);
    t.on('down', listeners.down);
    this.paths.set(t.id, p);
    this.reevaluate();
    return p;
  }

  removePath(id: string): MpPath | undefined {
    const p = this.paths.get(id);
    if (!p) return undefined;
    p.transport.off('up', p.listeners.up);
    p.transport.off('down', p.listeners.down);
    this.paths.delete(id);
    this.reevaluate();
    return p;
  }

  groups(): PathGroup<MpPath>[] {
    return buildPathGroups([...this.paths.values()].filter((p) => !p.wrongDevice), this.tpgPref);
  }

  /** Feed one event to a path's state machine and run its effects. */
  event(p: MpPath, ev: PathEvent): void {
    if (this.closed || this.paths.get(p.id) !== p) return;
    const [snap, effects] = transition(p.snap, ev, this.o.timing);
    p.snap = snap;
    for (const e of effects) {
      switch (e.type) {
        case 'log':
          this.o.logger.info({ device: this.o.name, path: p.id }, e.message);
          break;
        case 'refresh-alua':
          void this.refreshAlua();
          break;
        case 'check-soon':
          if (e.delayMs <= 0) void this.checkOne(p);
          else this.after(e.delayMs, () => void this.checkOne(p));
          break;
        case 'usable-changed':
          break;
      }
    }
    this.reevaluate();
  }

  start(): void {
    if (this.checkerHandle !== undefined || this.closed) return;
    this.checkerHandle = this.o.clock.setInterval(() => {
      for (const p of this.paths.values()) void this.checkOne(p);
      void this.refreshAlua();
    }, this.o.checkerIntervalMs);
  }

  /**
   * One checker round: TEST UNIT READY on every path, each on its own (a hung path does
   * not hold up the others), then RTPG (the prioritizer). Resolves when the round is done.
   */
  tick(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const checks = [...this.paths.values()].map((p) => this.checkOne(p));
    return Promise.all(checks).then(() => this.refreshAlua());
  }

  checkOne(p: MpPath): Promise<void> {
    if (this.closed) return Promise.resolve();
    return runPathCheck(p, this.checkContext);
  }

  /** Re-read REPORT TARGET PORT GROUPS through a reachable path; coalesces concurrent calls. */
  refreshAlua(): Promise<void> {
    if (this.identity.tpgs === 0 || this.closed) return Promise.resolve();
    if (this.aluaRefresh) {
      this.aluaAgain = true;
      return this.aluaRefresh;
    }
    const run = async (): Promise<void> => {
      do {
        this.aluaAgain = false;
        await this.readRtpgOnce();
      } while (this.aluaAgain && !this.closed);
    };
    this.aluaRefresh = run().finally(() => {
      this.aluaRefresh = undefined;
    });
    return this.aluaRefresh;
  }

  private async readRtpgOnce(): Promise<void> {
    const rank: Record<string, number> = { alive: 0, transitioning: 1, ghost: 2 };
    const candidates = [...this.paths.values()]
      .filter((p) => p.verified && !p.wrongDevice && p.state !== 'dead' && p.transport.connected)
      .sort((a, b) => rank[a.state]! - rank[b.state]!);
    for (const p of candidates) {
      const r = await probeCommand(p.transport, wire.reportTargetPortGroups(), this.o.checkerTimeoutMs);
      if (!r.ok) {
        if (r.verdict.kind === 'path-failed') this.event(p, { type: 'io-failed', at: this.o.clock.now() });
        continue;
      }
      const groups = wire.parseReportTargetPortGroups(r.data).groups.map((g) => ({ ...g, state: followedState(g.state) }));
      for (const g of groups) {
        this.tpgState.set(g.id, g.state);
        this.tpgPref.set(g.id, g.pref);
      }
      for (const q of this.paths.values()) {
        const g = groups.find((x) => (q.tpg !== undefined ? x.id === q.tpg : q.relPort !== undefined && x.ports.includes(q.relPort)));
        if (!g) continue;
        if (q.tpg === undefined) q.tpg = g.id;
        if (q.alua !== g.state) this.event(q, { type: 'alua', state: g.state, at: this.o.clock.now() });
      }
      this.reevaluate();
      return;
    }
  }

  /** The paths the selector may choose from now (alive paths of the best group). */
  pickCandidates(): MpPath[] {
    return bestUsablePaths(this.groups());
  }

  /** Pick a path for the next command, or undefined when none is usable. */
  pick(): MpPath | undefined {
    return this.selector.select(this.pickCandidates());
  }

  private anyAlive(): boolean {
    for (const p of this.paths.values()) if (p.state === 'alive' && !p.wrongDevice) return true;
    return false;
  }

  private anyTransitioning(): boolean {
    for (const p of this.paths.values()) if (p.state === 'transitioning' && !p.wrongDevice) return true;
    return false;
  }

  /** After any change: wake queued I/O, arm or disarm the no-path timer, try explicit failover. */
  private reevaluate(): void {
    if (this.closed) return;
    this.maybeExplicitFailover();
    if (this.anyAlive()) this.noPath.pathAlive();
    else if (this.anyTransitioning()) this.noPath.pathTransitioning();
    else this.noPath.noPath();
  }

  private waitForPath(): Promise<void> {
    if (this.closed) return Promise.reject(new MultipathIoError('EIO', `${this.o.name} is closed`));
    return this.noPath.wait(this.anyTransitioning(), () => this.reevaluate());
  }

  /**
   * SET TARGET PORT GROUPS when configured and the LU supports explicit ALUA (TPGS bit
   * 1), no active/optimized path is usable and another group is reachable
   * (explicit-failover.ts chooses it). At most once per checker interval.
   */
  private maybeExplicitFailover(): void {
    if (!this.o.explicitFailover || (this.identity.tpgs & 2) === 0 || this.stpgInFlight || this.closed) return;
    if (this.o.clock.now() - this.lastStpgAt < this.o.checkerIntervalMs) return;
    const choice = chooseFailoverTarget(this.paths.values(), this.tpgPref);
    if (!choice) return;
    const { tpg, via } = choice;
    this.stpgInFlight = true;
    this.lastStpgAt = this.o.clock.now();
    this.o.logger.warn({ device: this.o.name, path: via.id }, `explicit failover: SET TARGET PORT GROUPS → group ${tpg} active/optimized`);
    void probeCommand(via.transport, wire.setTargetPortGroups([{ id: tpg, state: 'active-optimized' }]), this.o.checkerTimeoutMs)
      .then(async (r) => {
        if (!r.ok) this.o.logger.warn({ device: this.o.name, path: via.id }, `SET TARGET PORT GROUPS failed: ${describe(r.verdict)}`);
        this.stpgInFlight = false;
        await this.refreshAlua();
      })
      .finally(() => {
        this.stpgInFlight = false;
      });
  }

  private after(ms: number, fn: () => void): void {
    const h = this.o.clock.setTimeout(() => {
      this.timers.delete(h);
      fn();
    }, ms);
    this.timers.set(h, fn);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  /** Run one command with multipath retries; resolves with the Data-In of a GOOD answer. */
  async execute(what: string, build: () => ScsiRequest): Promise<Buffer> {
    let retries = 0;
    let aluaBounces = 0;
    for (;;) {
      if (this.closed) throw new MultipathIoError('EIO', `${what}: ${this.o.name} is closed`);
      const p = this.pick();
      if (!p) {
        await this.waitForPath();
        continue;
      }
      const req = build();
      if (this.o.commandTimeoutMs !== undefined && req.timeoutMs === undefined) req.timeoutMs = this.o.commandTimeoutMs;
      p.inflight++;
      let outcome;
      try {
        outcome = await p.transport.execute(req);
      } finally {
        p.inflight--;
      }
      const v = classify(outcome);
      const at = this.o.clock.now();
      switch (v.kind) {
        case 'good':
          p.ios++;
          return v.data;
        case 'path-failed':
          p.errors++;
          this.o.logger.debug({ device: this.o.name, path: p.id }, `${what}: path failed (${v.reason}); re-issuing`);
          this.event(p, { type: 'io-failed', at });
          break;
        case 'transitioning':
        case 'standby':
        case 'unavailable':
          this.event(p, { type: 'io-sense', alua: v.kind, at });
          // A target whose RTPG keeps contradicting its sense data must not make us spin.
          if (++aluaBounces > 2 * this.paths.size) await this.sleep(this.o.retryDelayMs);
          break;
        case 'alua-changed':
          await this.refreshAlua();
          break;
        case 'capacity-changed':
          await this.onCapacityChanged().catch(() => undefined);
          break;
        case 'retry':
          if (++retries > this.o.maxRetries) throw new MultipathIoError('EIO', `${what} failed after ${this.o.maxRetries} retries: ${v.reason}`);
          if (v.backoff) await this.sleep(this.o.retryDelayMs);
          break;
        case 'fatal':
          p.ios++;
          throw fatalError(v, what);
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.checkerHandle !== undefined) this.o.clock.clearInterval(this.checkerHandle);
    // Run pending timers now: sleepers wake up, see `closed` and fail; checks return early.
    const pending = [...this.timers];
    this.timers.clear();
    for (const [h, fn] of pending) {
      this.o.clock.clearTimeout(h);
      fn();
    }
    this.noPath.close();
    for (const p of this.paths.values()) {
      p.transport.off('up', p.listeners.up);
      p.transport.off('down', p.listeners.down);
    }
  }
}
