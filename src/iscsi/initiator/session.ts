/**
 * An initiator session with one connection, RFC 7143 §3.4 (sessions), §6 (login),
 * §6.3.5 ("Session Reinstatement ... the initiator ... logs in with the same ISID and
 * TSIH 0"), §7.1.4 (connection failure at ErrorRecoveryLevel 0: the session is
 * reinstated and outstanding tasks are lost), §11.9.1 (Async Message: "AsyncEvent 1 ...
 * the target requests Logout"), §11.18 (NOP-Out pings).
 *
 * States: idle → connecting → up ⇄ down → closed.
 *   - 'down': the connection failed; commands queue (bounded by their timeout) while we
 *     reconnect with exponential back-off; tasks that were in flight completed with
 *     { kind: 'transport-error' } and are never re-sent by us.
 *   - 'closed': close()/logout() finished, or reconnect gave up.
 * Events: 'up', 'down' (reason), 'closed', 'async-event' (AsyncMessage).
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { systemClock, type Clock, type TimerHandle } from '../../lib/clock.js';
import { silentLogger, type Logger } from '../../lib/logger.js';
import type { NegotiatedParams } from '../pdu/negotiation.js';
import type { AsyncMessage } from '../pdu/types.js';
import { InitiatorConnection } from './connection.js';
import { FullFeatureLink } from './full-feature.js';
import { randomIsid } from './isid.js';
import { parseTargetAddress } from './send-targets.js';
import { LoginError, LoginStatusClass } from './login-error.js';
import { LoginFlow } from './login-flow.js';
import { runLogin, type LoginResult } from './login-runner.js';
import { RESERVED_TAG, InitiatorTask, transportError } from './task.js';
import type { ChapConfig, ScsiOutcome, ScsiRequest } from './types.js';

export interface InitiatorSessionOptions {
  host: string;
  port: number;
  targetName: string;
  initiatorName: string;
  /** 6 bytes; default random with qualifier type 'random' (RFC 7143 §11.12.5). */
  isid?: Buffer;
  chap?: ChapConfig | undefined;
  headerDigest?: boolean | undefined;
  dataDigest?: boolean | undefined;
  /** ms, default 5000; NOP-Out ping when idle (0 disables). */
  nopInterval?: number;
  /** ms, default 10000; no answer ⇒ connection declared dead. */
  nopTimeout?: number;
  loginTimeout?: number;
  commandTimeout?: number;
  reconnect?: { initialDelayMs: number; maxDelayMs: number; maxAttempts?: number } | false;
  /** Our MaxRecvDataSegmentLength (default 262144). */
  maxRecvDataSegmentLength?: number;
  logger?: Logger;
  clock?: Clock;
}

export type SessionState = 'idle' | 'connecting' | 'up' | 'down' | 'closed';

/** TMF function codes, RFC 7143 §11.5.1. */
export const TmfFunction = { AbortTask: 1, AbortTaskSet: 2, ClearAca: 3, ClearTaskSet: 4, LunReset: 5, TargetWarmReset: 6, TargetColdReset: 7 } as const;
/** TMF response codes, §11.6.1 (-1: no response: connection lost or timeout). */
export const TmfResponse = { Complete: 0, TaskDoesNotExist: 1, LunDoesNotExist: 2, TaskStillAllegiant: 3, NotSupported: 5, AuthorizationFailed: 6, Rejected: 255, NoResponse: -1 } as const;

export class InitiatorSession extends EventEmitter {
  private _state: SessionState = 'idle';
  private link: FullFeatureLink | undefined;
  private readonly queue: InitiatorTask[] = [];
  private readonly pending = new Map<number, InitiatorTask>();
  private nextItt = 1;
  private readonly isid: Buffer;
  private readonly clock: Clock;
  private readonly log: Logger;
  private nopTimer: TimerHandle | undefined;
  private reconnectTimer: TimerHandle | undefined;
  private attempts = 0;
  private delay: number;
  private _params: NegotiatedParams | undefined;
  private _tsih = 0;
  private _tpgt: number | undefined;
  /** close()/logout() started: no more reconnects. */
  private closing = false;

  constructor(readonly opts: InitiatorSessionOptions) {
    super();
    this.isid = opts.isid ?? randomIsid();
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger ?? silentLogger();
    this.delay = opts.reconnect ? opts.reconnect.initialDelayMs : 250;
  }

  get state(): SessionState {
    return this._state;
  }
  /** The most we may put in one PDU (the target's MaxRecvDataSegmentLength). */
  get maxDataSegment(): number {
    return this._params?.peerMaxRecvDataSegmentLength ?? 8192;
  }
  get params(): NegotiatedParams | undefined {
    return this._params ? { ...this._params } : undefined;
  }
  get tsih(): number {
    return this._tsih;
  }
  /**
   * The TargetPortalGroupTag the target declared at the last login (RFC 7143 §13.9: "MUST
   * be returned in the first Login Response PDU of a Normal session"); undefined before.
   */
  get targetPortalGroupTag(): number | undefined {
    return this._tpgt;
  }
  get isidHex(): string {
    return this.isid.toString('hex');
  }
  /** Commands sent and not yet answered, plus those queued locally. */
  get outstanding(): { inFlight: number; queued: number } {
    return { inFlight: this.link?.tasks.size ?? 0, queued: this.queue.length };
  }

  /** Log in; rejects with a LoginError (or a connect error) when the first login fails. */
  async connect(): Promise<void> {
    if (this._state === 'up' || this._state === 'connecting') return;
    if (this._state === 'closed') throw new Error('session is closed');
    this.closing = false;
    this._state = 'connecting';
    try {
      await this.login();
    } catch (err) {
      if (this._state === 'connecting') this._state = 'idle';
      for (const t of this.queue.splice(0)) t.complete(transportError(`iSCSI login failed: ${(err as Error).message}`), (h) => this.clock.clearTimeout(h));
      throw err;
    }
  }

  /**
   * One login attempt on a new TCP connection, following up to 3 redirections
   * (status class 1, "the initiator ... should ... log in to the TargetAddress", §11.13.5).
   */
  private async login(): Promise<void> {
    const o = this.opts;
    const maxRecv = o.maxRecvDataSegmentLength ?? 262144;
    const timeout = o.loginTimeout ?? 10000;
    let addr = { host: o.host, port: o.port };
    let conn: InitiatorConnection | undefined;
    let res: LoginResult | undefined;
    for (let hop = 0; res === undefined; hop++) {
      try {
        conn = await InitiatorConnection.open(addr.host, addr.port, maxRecv, timeout);
      } catch (err) {
        throw LoginError.local((err as Error).message);
      }
      const flow = new LoginFlow({
        initiatorName: o.initiatorName, targetName: o.targetName, sessionType: 'Normal', chap: o.chap,
        headerDigest: o.headerDigest, dataDigest: o.dataDigest, maxRecvDataSegmentLength: maxRecv, random: randomBytes,
      });
      try {
        res = await runLogin(conn, flow, { isid: this.isid, tsih: 0, cid: 0, cmdSN: 1, itt: this.allocItt() }, timeout);
      } catch (err) {
        const to = err instanceof LoginError && err.statusClass === LoginStatusClass.Redirection && err.targetAddress
          ? parseTargetAddress(err.targetAddress, o.port) : undefined;
        if (!to || hop >= 3) throw err;
        this.log.info({ from: addr, to }, 'iscsi login redirected');
        addr = { host: to.host, port: to.port };
      }
    }
    if (!conn) throw LoginError.local('no connection');
    if (this.closing) {
      conn.close('session closed during login');
      throw new Error('session closed during login');
    }
    this._params = res.params;
    this._tsih = res.tsih;
    const tag = Number(res.targetKeys.get('TargetPortalGroupTag'));
    this._tpgt = Number.isInteger(tag) && tag >= 0 && tag <= 65535 ? tag : undefined;
    const link = new FullFeatureLink(conn, res.params, res, {
      clock: this.clock,
      log: this.log,
      nextQueued: () => this.queue.shift(),
      allocItt: () => this.allocItt(),
      onAsync: (p) => this.onAsync(link, p),
    });
    this.link = link;
    conn.once('close', (reason) => this.onLinkLost(link, reason));
    this._state = 'up';
    this.attempts = 0;
    this.delay = o.reconnect ? o.reconnect.initialDelayMs : 250;
    this.startNop();
    this.log.info({ host: o.host, port: o.port, target: o.targetName, tsih: res.tsih, params: res.params }, 'iscsi session up');
    this.emit('up');
    link.pump();
  }

  private allocItt(): number {
    for (;;) {
      const itt = this.nextItt;
      this.nextItt = (this.nextItt + 1) >>> 0;
      if (itt === RESERVED_TAG || this.pending.has(itt)) continue;
      return itt;
    }
  }

  /** Run one SCSI command; never rejects. */
  execute(lun: number, req: ScsiRequest): Promise<ScsiOutcome> {
    return this.submit(lun, req).outcome;
  }

  /** Like execute(), also returning the Initiator Task Tag (for abortTask). */
  submit(lun: number, req: ScsiRequest): { itt: number; outcome: Promise<ScsiOutcome> } {
    const t = new InitiatorTask(this.allocItt(), lun, req);
    if (this._state === 'closed' || (this._state === 'idle' && !this.closing)) {
      t.complete(transportError(`iSCSI session is ${this._state}`), () => {});
      return { itt: t.itt, outcome: t.outcome };
    }
    this.pending.set(t.itt, t);
    void t.outcome.then(() => this.pending.delete(t.itt));
    const timeoutMs = req.timeoutMs ?? this.opts.commandTimeout ?? 30000;
    t.timer = this.clock.setTimeout(() => this.onTimeout(t, timeoutMs), timeoutMs);
    this.queue.push(t);
    if (this.link?.alive) this.link.pump();
    return { itt: t.itt, outcome: t.outcome };
  }

  private onTimeout(t: InitiatorTask, ms: number): void {
    t.timer = undefined;
    if (t.done) return;
    const qi = this.queue.indexOf(t);
    if (qi >= 0) {
      this.queue.splice(qi, 1);
      t.complete(transportError(`command not sent within ${ms} ms (session ${this._state})`), () => {});
      return;
    }
    const link = this.link;
    if (link && link.tasks.get(t.itt) === t) {
      // abort at the target so it stops working on (and waiting for data of) the task
      void link.taskManagement(TmfFunction.AbortTask, t.lun, t, this.opts.commandTimeout ?? 30000);
      link.finish(t, transportError(`command timed out after ${ms} ms`));
      return;
    }
    t.complete(transportError(`command timed out after ${ms} ms`), () => {});
  }

  /** ABORT TASK for a command submitted with submit(); resolves with the TMF response code (§11.6.1). */
  async abortTask(lun: number, itt: number): Promise<number> {
    const t = this.pending.get(itt);
    const qi = t ? this.queue.indexOf(t) : -1;
    if (t && qi >= 0) {
      this.queue.splice(qi, 1);
      t.complete(transportError('task aborted before it was sent'), (h) => this.clock.clearTimeout(h));
      return TmfResponse.Complete;
    }
    const link = this.link;
    if (!link?.alive || this._state !== 'up') return TmfResponse.NoResponse;
    const inFlight = link.tasks.get(itt);
    const r = await link.taskManagement(TmfFunction.AbortTask, lun, inFlight, this.opts.commandTimeout ?? 30000);
    // "the target ... will not send a response" for an aborted task when it answers
    // Function Complete (§4.2.3.4 / §11.6): finish it here.
    if ((r === TmfResponse.Complete || r === TmfResponse.TaskDoesNotExist) && inFlight && !inFlight.done) {
      link.finish(inFlight, transportError('task aborted by ABORT TASK'));
    }
    return r;
  }

  /** LUN RESET; tasks of that LUN still outstanding afterwards complete with a transport error. */
  async lunReset(lun: number): Promise<number> {
    const link = this.link;
    if (!link?.alive || this._state !== 'up') return TmfResponse.NoResponse;
    const r = await link.taskManagement(TmfFunction.LunReset, lun, undefined, this.opts.commandTimeout ?? 30000);
    if (r === TmfResponse.Complete) {
      for (const t of [...link.tasks.values()]) if (t.lun === lun) link.finish(t, transportError('task aborted by LUN RESET'));
    }
    return r;
  }

  /** Log out (closing the session) and stay closed. */
  async logout(): Promise<void> {
    await this.shutdown(true);
  }

  /** Log out if possible, stop reconnecting, fail queued commands; stays closed. */
  async close(): Promise<void> {
    await this.shutdown(true);
  }

  private async shutdown(graceful: boolean): Promise<void> {
    if (this._state === 'closed') return;
    this.closing = true;
    this.stopTimers();
    const link = this.link;
    if (link?.alive && graceful) {
      await link.logout(Math.min(5000, this.opts.loginTimeout ?? 10000));
    }
    link?.conn.close('logged out');
    this.finalClose('session closed');
  }

  private finalClose(reason: string): void {
    if (this._state === 'closed') return;
    this._state = 'closed';
    this.stopTimers();
    for (const t of this.queue.splice(0)) t.complete(transportError(`iSCSI session closed: ${reason}`), (h) => this.clock.clearTimeout(h));
    this.emit('closed');
  }

  private stopTimers(): void {
    if (this.nopTimer !== undefined) this.clock.clearInterval(this.nopTimer);
    if (this.reconnectTimer !== undefined) this.clock.clearTimeout(this.reconnectTimer);
    this.nopTimer = undefined;
    this.reconnectTimer = undefined;
  }

  private startNop(): void {
    const interval = this.opts.nopInterval ?? 5000;
    const timeout = this.opts.nopTimeout ?? 10000;
    if (this.nopTimer !== undefined) this.clock.clearInterval(this.nopTimer);
    this.nopTimer = undefined;
    if (interval <= 0) return;
    const tick = Math.max(10, Math.min(interval, timeout) / 4);
    this.nopTimer = this.clock.setInterval(() => {
      const link = this.link;
      if (!link?.alive || this._state !== 'up') return;
      if (!link.checkAlive(Date.now(), interval, timeout)) link.conn.close(`no answer to NOP-Out within ${timeout} ms`);
    }, tick);
  }

  private onLinkLost(link: FullFeatureLink, reason: string): void {
    if (this.link !== link) return;
    this.link = undefined;
    if (this.nopTimer !== undefined) this.clock.clearInterval(this.nopTimer);
    this.nopTimer = undefined;
    if (this.closing || this._state === 'closed') return;
    this._state = 'down';
    this.log.warn({ reason, host: this.opts.host, port: this.opts.port }, 'iscsi connection lost');
    this.emit('down', reason);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const rc = this.opts.reconnect ?? { initialDelayMs: 250, maxDelayMs: 5000 };
    if (rc === false) return this.finalClose('connection lost and reconnect is disabled');
    if (rc.maxAttempts !== undefined && this.attempts >= rc.maxAttempts) return this.finalClose(`reconnect gave up after ${this.attempts} attempts`);
    const wait = this.delay;
    this.delay = Math.min(rc.maxDelayMs, this.delay * 2);
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closing || this._state === 'closed') return;
      this.attempts++;
      this.login().catch((err: Error) => {
        if (this.closing || this._state === 'closed') return;
        this.log.warn({ err: err.message, attempt: this.attempts }, 'iscsi reconnect failed');
        this.scheduleReconnect();
      });
    }, wait);
  }

  /** §11.9.1 Async Message. */
  private onAsync(link: FullFeatureLink, p: AsyncMessage): void {
    this.emit('async-event', p);
    switch (p.asyncEvent) {
      case 1: {
        // logout request: finish what is in flight (within Parameter3 seconds), log out, reconnect (as Linux does)
        this.log.info({ within: p.parameter3 }, 'iscsi target requests logout');
        link.draining = true;
        const deadline = Date.now() + Math.max(0, p.parameter3 * 1000 - 500);
        const wait = (): void => {
          if (!link.alive) return;
          if (link.tasks.size > 0 && Date.now() < deadline) {
            this.clock.setTimeout(wait, 20);
            return;
          }
          void link.logout(2000).then(() => link.conn.close('logged out at the target\'s request'));
        };
        wait();
        return;
      }
      case 2:
      case 3:
        this.log.info({ event: p.asyncEvent }, 'iscsi target will drop the connection');
        return;
      default:
        return;
    }
  }
}
