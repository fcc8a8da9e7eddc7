/**
 * A fake PathTransport: one I_T nexus to a FakeLun, with the failure modes a real
 * initiator session shows — connection loss (with in-flight commands answered by
 * 'transport-error', optionally after the device executed them), hangs until the
 * command timeout, latency through the injected Clock, and one-shot injected outcomes.
 */
import { EventEmitter } from 'node:events';
import type { Clock, TimerHandle } from '../../lib/clock.js';
import type { ScsiOutcome, ScsiRequest, PathTransport } from '../path-transport.js';
import { check, type FakeLun, type FakeNexus } from './fake-lun.js';

export interface FakePathOptions {
  id: string;
  portal?: string;
  tpg: number;
  relPort: number;
  clock: Clock;
  latencyMs?: number;
  /** Used when a request has no timeoutMs and the path hangs. */
  defaultTimeoutMs?: number;
}

type Injected = ScsiOutcome | { kind: 'sense'; key: number; asc: number; ascq: number };

interface Pending {
  req: ScsiRequest;
  resolve: (o: ScsiOutcome) => void;
  timer?: TimerHandle;
}

export class FakePath extends EventEmitter implements PathTransport, FakeNexus {
  readonly id: string;
  readonly portal: string;
  readonly tpg: number;
  readonly relPort: number;
  readonly portName: string;
  pendingUA: Array<[number, number]> = [];
  latencyMs: number;
  /** Commands answered with GOOD/CHECK by this path, and transport errors, for assertions. */
  executed = 0;
  transportErrors = 0;
  maxInflight = 0;
  private _connected = true;
  private hung = false;
  private closed = false;
  private injected: Injected[] = [];
  private pending = new Set<Pending>();

  constructor(readonly lun: FakeLun, private readonly o: FakePathOptions) {
    super();
    this.id = o.id;
    this.portal = o.portal ?? `127.0.0.1:${3260 + o.relPort}`;
    this.tpg = o.tpg;
    this.relPort = o.relPort;
    this.portName = `iqn.2026-01.test:tgt,t,0x${o.relPort.toString(16).padStart(4, '0')}`;
    this.latencyMs = o.latencyMs ?? 0;
    lun.nexuses.add(this);
  }

  get connected(): boolean {
    return this._connected;
  }

  get inflight(): number {
    return this.pending.size;
  }

  /** Answer the next commands with these outcomes instead of executing them. */
  inject(...outcomes: Injected[]): void {
    this.injected.push(...outcomes);
  }

  injectSense(key: number, asc: number, ascq: number, times = 1): void {
    for (let i = 0; i < times; i++) this.injected.push({ kind: 'sense', key, asc, ascq });
  }

  /**
   * The connection drops: in-flight commands end with transport-error. With
   * `executeInflight`, in-flight commands are executed by the LU first (the response is
   * what got lost) — the case that makes re-issue of an unacknowledged write matter.
   */
  fail(opts: { executeInflight?: boolean } = {}): void {
    if (!this._connected) return;
    this._connected = false;
    this.hung = false;
    for (const p of [...this.pending]) {
      if (opts.executeInflight) this.lun.execute(this, p.req);
      this.finish(p, { kind: 'transport-error', error: new Error(`connection to ${this.portal} lost`) });
    }
    this.emit('down', 'connection lost');
  }

  /** The connection comes back as a new I_T nexus: a power-on/reset UA (29h/00h) is pending, as targets report for a new nexus. */
  restore(): void {
    if (this._connected || this.closed) return;
    this._connected = true;
    this.pendingUA = [[0x29, 0x00]];
    this.emit('up');
  }

  /** Commands get no answer until their timeout (a hung target or network black hole). */
  hang(): void {
    this.hung = true;
  }

  unhang(): void {
    this.hung = false;
  }

  execute(req: ScsiRequest): Promise<ScsiOutcome> {
    return new Promise((resolve) => {
      if (!this._connected) {
        this.transportErrors++;
        queueMicrotask(() => resolve({ kind: 'transport-error', error: new Error(`not connected to ${this.portal}`) }));
        return;
      }
      const p: Pending = { req, resolve };
      this.pending.add(p);
      this.maxInflight = Math.max(this.maxInflight, this.pending.size);
      if (this.hung) {
        p.timer = this.o.clock.setTimeout(() => this.finish(p, { kind: 'transport-error', error: new Error('command timed out') }), req.timeoutMs ?? this.o.defaultTimeoutMs ?? 30_000);
        return;
      }
      const run = (): void => {
        if (!this.pending.has(p)) return;
        if (this.hung) {
          p.timer = this.o.clock.setTimeout(() => this.finish(p, { kind: 'transport-error', error: new Error('command timed out') }), req.timeoutMs ?? this.o.defaultTimeoutMs ?? 30_000);
          return;
        }
        const inj = this.injected.shift();
        let out: ScsiOutcome;
        if (inj === undefined) out = this.lun.execute(this, req);
        else if (inj.kind === 'sense') out = check(inj.key, inj.asc, inj.ascq);
        else out = inj;
        this.finish(p, out);
      };
      if (this.latencyMs > 0) p.timer = this.o.clock.setTimeout(run, this.latencyMs);
      else queueMicrotask(run);
    });
  }

  private finish(p: Pending, out: ScsiOutcome): void {
    if (!this.pending.delete(p)) return;
    if (p.timer !== undefined) this.o.clock.clearTimeout(p.timer);
    if (out.kind === 'transport-error') this.transportErrors++;
    else this.executed++;
    p.resolve(out);
  }

  async close(): Promise<void> {
    this.fail();
    this.closed = true;
    this.lun.nexuses.delete(this);
  }
}
