/**
 * The authenticated peer link between two controllers (docs/ha.md "Peer link protocol"):
 * TCP on loopback, frames from peer-codec.ts, mutual HMAC-SHA256 challenge/response
 * (peer-auth.ts), heartbeats, request/response with ids and timeouts, one-way notifies,
 * automatic reconnect on the connecting side, and fault hooks cut()/restore().
 *
 * Handshake on every new socket, both sides at once:
 *   1. send auth-challenge {controller: self, nonce}
 *   2. on the peer's challenge (must name the expected peer): send auth-response {proof}
 *   3. on the peer's auth-response: verify in constant time; wrong ⇒ 'auth-failed' and
 *      disconnect; right ⇒ send hello {controller, incarnation, startedAt}
 *   4. on the peer's hello (only after 3): the link is 'up'.
 * Anything else before 'up' is a protocol violation: 'auth-failed' and disconnect.
 *
 * Failure semantics: requests on a link that is down or goes down resolve with
 * {ok:false, error:{code:'link-down'}}; a request without a reply within its timeout
 * resolves {code:'timeout'}; nothing here throws at callers after start(). Writes
 * ignore socket back-pressure (payloads are bounded by the codec limit).
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import * as net from 'node:net';
import { systemClock, type Clock, type TimerHandle } from '../lib/clock.js';
import {
  encodePeerFrame, PeerFrameDecoder, PEER_PROTOCOL_VERSION,
  type JsonValue, type PeerErrorBody, type PeerFrame, type PeerHeader, type PeerRequestKind,
} from './peer-codec.js';
import { newPeerNonce, peerAuthProof, verifyPeerAuthProof } from './peer-auth.js';

export interface PeerEndpoint { readonly host: string; readonly port: number }

export interface PeerLinkOptions {
  readonly self: string;
  readonly peer: string;
  /** Per-array shared secret (`<dataDir>/peer-secret`). */
  readonly secret: Buffer | string;
  /** Accept connections here (port 0 picks one; see address()). */
  readonly listen?: PeerEndpoint;
  /** Connect (and keep reconnecting) to the peer here. */
  readonly connect?: PeerEndpoint;
  readonly clock?: Clock;
  /** This process's boot id, sent in hello (default random UUID). */
  readonly incarnation?: string;
  readonly heartbeatIntervalMs?: number; // default 100
  readonly heartbeatTimeoutMs?: number; // default 600
  readonly reconnectDelayMs?: number; // default 100, doubling up to reconnectMaxDelayMs
  readonly reconnectMaxDelayMs?: number; // default 1000
  readonly requestTimeoutMs?: number; // default 5000
  readonly authTimeoutMs?: number; // default 2000
  readonly maxPayloadBytes?: number;
}

export interface PeerHello { readonly controller: string; readonly incarnation: string; readonly startedAt: number }
export interface PeerInbound { readonly kind: PeerRequestKind; readonly body: JsonValue; readonly payload?: Buffer }
export type PeerReply =
  | { readonly ok: true; readonly body: JsonValue; readonly payload?: Buffer }
  | { readonly ok: false; readonly error: PeerErrorBody };
export type PeerHandlerResult = { readonly body: JsonValue; readonly payload?: Buffer } | { readonly error: PeerErrorBody };
export type PeerRequestHandler = (req: PeerInbound) => Promise<PeerHandlerResult> | PeerHandlerResult;

export interface PeerLinkEvents {
  up: [hello: PeerHello];
  down: [info: { reason: string }];
  message: [msg: PeerInbound];
  'auth-failed': [info: { remoteAddress: string; reason: string }];
  heartbeat: [hb: { seq: number; ts: number }];
  'heartbeat-timeout': [info: { silentMs: number }];
}

type CutMode = 'close' | 'blackhole';

interface Conn {
  readonly socket: net.Socket;
  readonly outbound: boolean;
  readonly decoder: PeerFrameDecoder;
  readonly nonce: string;
  peerNonce?: string;
  verified: boolean;
  hello?: PeerHello;
  up: boolean;
  closed: boolean;
  lastRxAt: number;
  authTimer?: TimerHandle;
  pending: Map<number, { resolve: (r: PeerReply) => void; timer: TimerHandle }>;
}

export class PeerLink extends EventEmitter<PeerLinkEvents> {
  readonly self: string;
  readonly peer: string;
  readonly incarnation: string;
  private readonly clock: Clock;
  private readonly startedAt: number;
  private server: net.Server | undefined;
  private conns = new Set<Conn>();
  private active: Conn | undefined;
  private handler: PeerRequestHandler | undefined;
  private nextId = 1;
  private hbSeq = 0;
  private hbTimer: TimerHandle | undefined;
  private reconnectTimer: TimerHandle | undefined;
  private reconnectAttempt = 0;
  private cutMode: CutMode | undefined;
  private stopped = false;

  constructor(private readonly opts: PeerLinkOptions) {
    super();
    this.self = opts.self;
    this.peer = opts.peer;
    this.clock = opts.clock ?? systemClock;
    this.incarnation = opts.incarnation ?? randomUUID();
    this.startedAt = this.clock.now();
  }

  get isUp(): boolean {
    return this.active !== undefined;
  }

  /** The peer's hello while the link is up. */
  get peerHello(): PeerHello | undefined {
    return this.active?.hello;
  }

  /** The bound listen address (after start()). */
  address(): PeerEndpoint | undefined {
    const a = this.server?.address();
    return a && typeof a === 'object' ? { host: a.address, port: a.port } : undefined;
  }

  setRequestHandler(fn: PeerRequestHandler): void {
    this.handler = fn;
  }

  /** Starts listening and/or connecting. Rejects only if the listen address cannot be bound. */
  async start(): Promise<void> {
    if (this.opts.listen) {
      const server = net.createServer((s) => this.adopt(s, false));
      this.server = server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.opts.listen!.port, this.opts.listen!.host, () => { server.off('error', reject); resolve(); });
      });
      server.on('error', () => { /* accept errors are per-socket; keep serving */ });
    }
    if (this.opts.connect) this.dial();
    this.hbTimer = this.clock.setInterval(() => this.heartbeatTick(), this.opts.heartbeatIntervalMs ?? 100);
  }

  /** Sends a request and waits for its reply (errors are values). */
  request(kind: PeerRequestKind, body: JsonValue, payload?: Buffer, opts: { timeoutMs?: number } = {}): Promise<PeerReply> {
    const c = this.active;
    if (!c || this.cutMode === 'close') return Promise.resolve({ ok: false, error: { code: 'link-down', message: `peer link to controller ${this.peer} is down` } });
    const id = this.nextId++;
    const ms = opts.timeoutMs ?? this.opts.requestTimeoutMs ?? 5000;
    return new Promise<PeerReply>((resolve) => {
      const timer = this.clock.setTimeout(() => {
        c.pending.delete(id);
        resolve({ ok: false, error: { code: 'timeout', message: `controller ${this.peer} did not answer ${kind} within ${ms} ms` } });
      }, ms);
      c.pending.set(id, { resolve, timer });
      this.write(c, { type: 'request', id, kind, body }, payload);
    });
  }

  /** One-way message; false when the link is down. */
  send(kind: PeerRequestKind, body: JsonValue, payload?: Buffer): boolean {
    const c = this.active;
    if (!c) return false;
    this.write(c, { type: 'notify', kind, body }, payload);
    return true;
  }

  /**
   * Fault hook: simulate a peer-link cut. 'close' drops the connection at once (like a
   * process death seen by TCP); 'blackhole' freezes this side of the link (like a hung
   * process or a silent network): the socket stays open, nothing is sent, received
   * frames are ignored and this side runs no heartbeat check, so only the other side's
   * heartbeat timeout notices.
   * No new connection is made or accepted until restore().
   */
  cut(mode: CutMode = 'close'): void {
    this.cutMode = mode;
    if (mode === 'close') for (const c of [...this.conns]) this.closeConn(c, 'peer link cut');
  }

  restore(): void {
    if (this.cutMode === undefined) return;
    this.cutMode = undefined;
    this.reconnectAttempt = 0;
    if (this.opts.connect && !this.stopped && !this.active && this.reconnectTimer === undefined) this.dial();
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.hbTimer !== undefined) this.clock.clearInterval(this.hbTimer);
    if (this.reconnectTimer !== undefined) this.clock.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    for (const c of [...this.conns]) {
      if (c.up && this.cutMode === undefined) this.write(c, { type: 'bye', reason: 'shutdown' });
      this.closeConn(c, 'link closed');
    }
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  private dial(): void {
    if (this.stopped || this.cutMode || !this.opts.connect) return;
    const s = net.connect({ host: this.opts.connect.host, port: this.opts.connect.port });
    this.adopt(s, true);
  }

  private scheduleReconnect(): void {
    if (this.stopped || !this.opts.connect || this.reconnectTimer !== undefined || this.active) return;
    if ([...this.conns].some((c) => c.outbound)) return;
    const base = this.opts.reconnectDelayMs ?? 100;
    const ms = Math.min(base * 2 ** this.reconnectAttempt, this.opts.reconnectMaxDelayMs ?? 1000);
    this.reconnectAttempt++;
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.cutMode) { this.scheduleReconnect(); return; }
      this.dial();
    }, ms);
  }

  private adopt(socket: net.Socket, outbound: boolean): void {
    if (this.stopped || this.cutMode) { socket.destroy(); if (outbound) this.scheduleReconnect(); return; }
    socket.setNoDelay(true);
    const c: Conn = {
      socket, outbound, decoder: new PeerFrameDecoder({ maxPayloadBytes: this.opts.maxPayloadBytes }), nonce: newPeerNonce(),
      verified: false, up: false, closed: false, lastRxAt: this.clock.now(), pending: new Map(),
    };
    this.conns.add(c);
    socket.on('error', () => { /* 'close' follows */ });
    socket.on('close', () => this.closeConn(c, 'peer link closed'));
    socket.on('data', (chunk: Buffer) => this.onData(c, chunk));
    c.authTimer = this.clock.setTimeout(() => this.authFail(c, 'authentication timed out'), this.opts.authTimeoutMs ?? 2000);
    const challenge = (): void => this.write(c, { type: 'auth-challenge', controller: this.self, nonce: c.nonce, version: PEER_PROTOCOL_VERSION });
    if (outbound && socket.connecting) socket.once('connect', challenge); else challenge();
  }

  private write(c: Conn, header: PeerHeader, payload?: Buffer): void {
    if (c.closed || this.cutMode === 'blackhole') return;
    c.socket.write(encodePeerFrame(header, payload));
  }

  private onData(c: Conn, chunk: Buffer): void {
    if (c.closed || this.cutMode === 'blackhole') return;
    const r = c.decoder.push(chunk);
    for (const f of r.frames) {
      if (c.closed) return;
      c.lastRxAt = this.clock.now();
      this.onFrame(c, f);
    }
    if (r.error && !c.closed) {
      if (c.up) this.closeConn(c, `peer link protocol error: ${r.error.message}`);
      else this.authFail(c, `protocol error during authentication: ${r.error.message}`);
    }
  }

  private onFrame(c: Conn, { header: h, payload }: PeerFrame): void {
    if (!c.up) { this.onHandshake(c, h); return; }
    switch (h.type) {
      case 'heartbeat':
        this.emit('heartbeat', { seq: h.seq, ts: h.ts });
        return;
      case 'request':
        void this.serve(c, h.id, { kind: h.kind, body: h.body, ...(payload ? { payload } : {}) });
        return;
      case 'response': {
        const p = c.pending.get(h.id);
        if (!p) return; // late reply after a timeout
        c.pending.delete(h.id);
        this.clock.clearTimeout(p.timer);
        p.resolve(h.ok ? { ok: true, body: h.body, ...(payload ? { payload } : {}) } : { ok: false, error: h.error });
        return;
      }
      case 'notify':
        this.emit('message', { kind: h.kind, body: h.body, ...(payload ? { payload } : {}) });
        return;
      case 'bye':
        this.closeConn(c, `controller ${this.peer} closed the link: ${h.reason}`);
        return;
      default:
        this.closeConn(c, `unexpected ${h.type} after authentication`);
    }
  }

  private onHandshake(c: Conn, h: PeerHeader): void {
    if (h.type === 'auth-challenge' && c.peerNonce === undefined) {
      if (h.controller !== this.peer) { this.authFail(c, `expected controller ${this.peer}, got '${h.controller}'`); return; }
      if (h.version !== PEER_PROTOCOL_VERSION) { this.authFail(c, `peer protocol version ${h.version}, expected ${PEER_PROTOCOL_VERSION}`); return; }
      c.peerNonce = h.nonce;
      this.write(c, { type: 'auth-response', proof: peerAuthProof(this.opts.secret, this.self, this.peer, h.nonce, c.nonce) });
    } else if (h.type === 'auth-response' && c.peerNonce !== undefined && !c.verified) {
      if (!verifyPeerAuthProof(this.opts.secret, h.proof, this.peer, this.self, c.nonce, c.peerNonce)) {
        this.authFail(c, 'wrong proof: the peer does not know the shared secret');
        return;
      }
      c.verified = true;
      this.write(c, { type: 'hello', controller: this.self, incarnation: this.incarnation, startedAt: this.startedAt });
    } else if (h.type === 'hello' && c.verified && h.controller === this.peer) {
      c.hello = { controller: h.controller, incarnation: h.incarnation, startedAt: h.startedAt };
      this.promote(c);
    } else {
      this.authFail(c, `unexpected ${h.type} during authentication`);
    }
  }

  private promote(c: Conn): void {
    if (c.authTimer !== undefined) this.clock.clearTimeout(c.authTimer);
    c.up = true;
    const old = this.active;
    if (old) {
      // Two live connections: a restarted peer (new incarnation) wins; a redial in the
      // same direction wins (the dialler gave up on the old one); for simultaneous dials
      // both ways, the one dialled by the lower-named controller, so both sides agree.
      const keepNew = old.hello?.incarnation !== c.hello!.incarnation || c.outbound === old.outbound
        || c.outbound === (this.self < this.peer);
      const loser = keepNew ? old : c;
      if (keepNew) this.active = c;
      this.dropQuietly(loser);
      if (!keepNew) return;
      if (old.hello?.incarnation === c.hello!.incarnation) return; // same peer, connection swapped
      this.emit('down', { reason: `controller ${this.peer} restarted` });
    }
    this.active = c;
    this.reconnectAttempt = 0;
    this.emit('up', c.hello!);
  }

  private dropQuietly(c: Conn): void {
    if (this.active === c) this.active = undefined;
    this.finish(c, 'peer link replaced by a newer connection');
  }

  private async serve(c: Conn, id: number, req: PeerInbound): Promise<void> {
    let res: PeerHandlerResult;
    if (!this.handler) res = { error: { code: 'no-handler', message: `controller ${this.self} does not serve ${req.kind} requests` } };
    else {
      try {
        res = await this.handler(req);
      } catch (err) {
        res = { error: { code: 'handler-error', message: err instanceof Error ? err.message : String(err) } };
      }
    }
    if (c.closed) return;
    if ('error' in res) this.write(c, { type: 'response', id, ok: false, error: res.error });
    else this.write(c, { type: 'response', id, ok: true, body: res.body }, res.payload);
  }

  private heartbeatTick(): void {
    const c = this.active;
    if (!c || this.cutMode === 'blackhole') return; // a frozen side neither beats nor checks
    const now = this.clock.now();
    const silent = now - c.lastRxAt;
    const timeout = this.opts.heartbeatTimeoutMs ?? 600;
    if (silent > timeout) {
      this.emit('heartbeat-timeout', { silentMs: silent });
      this.closeConn(c, `no heartbeat from controller ${this.peer} for ${silent} ms`);
      return;
    }
    this.write(c, { type: 'heartbeat', seq: this.hbSeq++, ts: now });
  }

  private authFail(c: Conn, reason: string): void {
    if (c.closed) return;
    const remoteAddress = `${c.socket.remoteAddress ?? '?'}:${c.socket.remotePort ?? '?'}`;
    this.closeConn(c, reason);
    this.emit('auth-failed', { remoteAddress, reason });
  }

  private closeConn(c: Conn, reason: string): void {
    if (c.closed) return;
    const wasActive = this.active === c;
    if (wasActive) this.active = undefined;
    this.finish(c, reason);
    if (wasActive) this.emit('down', { reason });
    if (c.outbound || wasActive) this.scheduleReconnect();
  }

  private finish(c: Conn, reason: string): void {
    if (c.closed) return;
    c.closed = true;
    this.conns.delete(c);
    if (c.authTimer !== undefined) this.clock.clearTimeout(c.authTimer);
    for (const [, p] of c.pending) {
      this.clock.clearTimeout(p.timer);
      p.resolve({ ok: false, error: { code: 'link-down', message: reason } });
    }
    c.pending.clear();
    c.socket.destroy();
  }
}
