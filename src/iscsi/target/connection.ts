/**
 * One iSCSI connection (RFC 7143 §3.4.2): the TCP socket, the framer, the login phase and
 * dispatch of Full Feature Phase PDUs.
 *
 * Failure semantics (RFC 7143 §7): a header digest error or framing violation closes the
 * connection ("the connection MUST be dropped", §7.8 for header digests); a data digest
 * error, an undecodable PDU or an unsupported opcode gets a Reject (§11.17) and the stream
 * goes on. "Any PDU other than a Login Request received before login ... the target MUST
 * ... terminate the connection" (§6.1 / §11.12). Nothing here throws out to the event loop.
 */
import type { Socket } from 'node:net';
import type { TimerHandle } from '../../lib/clock.js';
import { decodePdu } from '../pdu/decode.js';
import { encodePdu } from '../pdu/encode.js';
import { Framer } from '../pdu/framer.js';
import type { NegotiatedParams } from '../pdu/negotiation.js';
import { encodeTextData } from '../pdu/text.js';
import { Opcode, RejectReason, type DigestSettings, type LoginRequest, type Pdu, type RawPdu, type TargetPdu } from '../pdu/types.js';
import { completeLogin } from './login-complete.js';
import { LoginMachine } from './login-machine.js';
import { LoginStatus } from './login-status.js';
import { dispatchFullFeature } from './full-feature.js';
import type { ScsiTask } from './scsi-task.js';
import type { ConnectionPort } from './connection-port.js';
import { endSession } from './session-end.js';
import type { Session, SessionConnectionInfo } from './session.js';
import { MAX_WRITE_EDTL } from './scsi-command.js';
import { POOLED_MIN, WriteBufferPool } from './write-buffer-pool.js';
import type { PortalConfig, TargetContext } from './target-context.js';

const LOGIN_MAX_RECV = 8192; // §13.12: MaxRecvDataSegmentLength default during login
const NO_TTT = 0xffffffff;

function addr(host: string | undefined, port: number | undefined): string {
  const h = host ?? '?';
  return h.includes(':') ? `[${h}]:${port ?? 0}` : `${h}:${port ?? 0}`;
}

export class IscsiConnection implements ConnectionPort {
  phase: 'login' | 'full-feature' | 'closed' = 'login';
  session: Session<ConnectionPort> | undefined;
  cid = 0;
  /** Next StatSN to assign (§4.2.2.2, per connection). */
  statSN = 1;
  expStatSN = 0;
  params: NegotiatedParams | undefined;
  readonly tasks = new Map<number, ScsiTask>();
  /** ITTs aborted recently: late Data-Out for them is dropped silently. */
  readonly recentlyAborted = new Set<number>();
  /** Pending continuation of a long Text Response (§11.11), by TTT. */
  textContinuation: { ttt: number; rest: Buffer } | undefined;
  loggedOut = false;
  readonly writeBuffers = new WriteBufferPool();

  private readonly framer = new Framer({ maxRecvDataSegmentLength: LOGIN_MAX_RECV, placeData: (bhs, n) => this.dataOutDestination(bhs, n) });
  private digests: DigestSettings = { header: false, data: false };
  private login: LoginMachine;
  private nextTttValue = 1;
  private deferredUncork = false;
  private lastRx: number;
  private nopTimer: TimerHandle | undefined;
  private loginTimer: TimerHandle | undefined;
  private readonly local: string;
  private readonly remote: string;

  constructor(
    readonly socket: Socket,
    readonly ctx: TargetContext<ConnectionPort>,
    readonly portal: PortalConfig,
  ) {
    this.local = addr(socket.localAddress, socket.localPort);
    this.remote = addr(socket.remoteAddress, socket.remotePort);
    this.lastRx = ctx.clock.now();
    this.login = this.newLoginMachine();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => ctx.logger.debug({ err: err.message, remote: this.remote }, 'iscsi socket error'));
    socket.on('close', () => this.onClose());
    this.loginTimer = ctx.clock.setTimeout(() => {
      if (this.phase === 'login') this.close('login timed out');
    }, ctx.loginTimeout);
  }

  get log() {
    return this.ctx.logger;
  }

  get remoteAddress(): string {
    return this.remote;
  }

  get localHost(): string {
    const h = this.socket.localAddress ?? this.portal.host;
    return h.startsWith('::ffff:') ? h.slice(7) : h;
  }

  info(): SessionConnectionInfo {
    return { cid: this.cid, local: this.local, remote: this.remote, tpgt: this.portal.tpgt, statSN: this.statSN };
  }

  /** The most we may put in one PDU's data segment. */
  get peerMaxRecv(): number {
    return this.params?.peerMaxRecvDataSegmentLength ?? LOGIN_MAX_RECV;
  }

  nextTtt(): number {
    const t = this.nextTttValue;
    this.nextTttValue = this.nextTttValue >= 0xfffffffe ? 1 : this.nextTttValue + 1;
    return t;
  }

  get expCmdSN(): number {
    return this.session ? this.session.window.expCmdSN : this.login.cmdSN;
  }

  get maxCmdSN(): number {
    return this.session ? this.session.window.maxCmdSN : (this.login.cmdSN + this.ctx.queueDepth - 1) >>> 0;
  }

  /** Encode and queue one PDU. Writes of one tick are gathered by cork()/uncork(). */
  send(pdu: TargetPdu, onSent?: (err?: Error | null) => void): void {
    if (this.phase === 'closed') return;
    const bufs = encodePdu(pdu, this.digests);
    const last = bufs.length - 1;
    for (let i = 0; i < last; i++) this.socket.write(bufs[i]!);
    // The stream writes in order, so the last piece's callback means the whole PDU left.
    if (last >= 0) this.socket.write(bufs[last]!, onSent);
  }

  /** Run fn with the socket corked so its PDUs leave in one writev. */
  batch(fn: () => void): void {
    if (this.phase === 'closed') return;
    this.socket.cork();
    try {
      fn();
    } finally {
      this.socket.uncork();
    }
  }

  /**
   * Like batch(), but keeps the socket corked until the end of this event-loop turn, so
   * that completions arriving together (many tasks resolving in one tick) share a writev.
   */
  batchDeferred(fn: () => void): void {
    if (this.phase === 'closed') return;
    if (!this.deferredUncork) {
      this.deferredUncork = true;
      this.socket.cork();
      setImmediate(() => {
        this.deferredUncork = false;
        if (!this.socket.destroyed) this.socket.uncork();
      });
    }
    fn();
  }

  /** §11.17: Reject carries the complete header of the offending PDU. */
  reject(reason: number, bhs: Buffer, why: string): void {
    this.log.debug({ remote: this.remote, reason, why }, 'iscsi reject');
    this.send({
      kind: 'Reject',
      immediate: false,
      reason,
      statSN: this.statSN++,
      expCmdSN: this.expCmdSN,
      maxCmdSN: this.maxCmdSN,
      dataSN: 0,
      data: Buffer.from(bhs.subarray(0, 48)),
    });
  }

  /** Close after what is queued has been flushed. */
  closeAfterFlush(reason: string): void {
    if (this.phase === 'closed') return;
    this.log.debug({ remote: this.remote, reason }, 'iscsi connection closing');
    this.phase = 'closed';
    this.stopTimers();
    this.socket.end();
    const t = this.ctx.clock.setTimeout(() => this.socket.destroy(), 2000);
    this.socket.once('close', () => this.ctx.clock.clearTimeout(t));
  }

  close(reason: string): void {
    if (this.socket.destroyed) return;
    this.log.debug({ remote: this.remote, reason }, 'iscsi connection closed');
    this.phase = 'closed';
    this.stopTimers();
    this.socket.destroy();
  }

  private stopTimers(): void {
    if (this.nopTimer !== undefined) this.ctx.clock.clearInterval(this.nopTimer);
    if (this.loginTimer !== undefined) this.ctx.clock.clearTimeout(this.loginTimer);
    this.nopTimer = this.loginTimer = undefined;
  }

  private onData(chunk: Buffer): void {
    if (this.phase === 'closed') return;
    this.lastRx = this.ctx.clock.now();
    const events = this.framer.push(chunk);
    if (events.length === 0) return;
    this.socket.cork();
    try {
      for (const ev of events) {
        if ((this.phase as string) === 'closed') break;
        if (ev.type === 'fatal') {
          this.close(`framing error: ${ev.message}`);
          break;
        }
        if (ev.type === 'data-digest-error') {
          if (this.phase === 'login') this.close('data digest error during login');
          else this.reject(RejectReason.DataDigestError, ev.pdu.bhs, 'data digest error');
          continue;
        }
        this.onPdu(ev.pdu);
      }
    } catch (err) {
      this.log.error({ err, remote: this.remote }, 'iscsi connection handler failed; dropping the connection');
      this.close('internal error');
    } finally {
      if (!this.socket.destroyed) this.socket.uncork();
    }
  }

  /**
   * For a large Data-Out (§11.7) that is the next one its gathering task expects: the spot
   * in the task's write buffer, so the framer copies the data there once (no second copy).
   * Anything unexpected returns undefined and takes the ordinary path (and its checks).
   */
  private dataOutDestination(bhs: Buffer, dataLength: number): Buffer | undefined {
    if (this.phase !== 'full-feature') return undefined;
    const opcode = bhs[0]! & 0x3f;
    if (opcode === Opcode.ScsiCommand) {
      // §11.3: a WRITE's immediate data goes to the front of a pooled buffer of EDTL bytes,
      // which the write then adopts (WriteTransfer) instead of allocating and copying.
      const edtl = bhs.readUInt32BE(20);
      if ((bhs[1]! & 0x20) === 0 || dataLength < POOLED_MIN || edtl <= dataLength || edtl > MAX_WRITE_EDTL) return undefined;
      return this.writeBuffers.take(edtl).subarray(0, dataLength);
    }
    if (opcode !== Opcode.ScsiDataOut) return undefined;
    const task = this.tasks.get(bhs.readUInt32BE(16));
    if (!task || task.state !== 'gathering' || !task.transfer || task.aborted) return undefined;
    return task.transfer.destinationFor(bhs.readUInt32BE(20), bhs.readUInt32BE(36), bhs.readUInt32BE(40), dataLength);
  }

  private onPdu(raw: RawPdu): void {
    const d = decodePdu(raw);
    if (this.phase === 'login') {
      if (!d.ok || d.pdu.kind !== 'LoginRequest') {
        this.close(d.ok ? `${d.pdu.kind} before login completed` : `undecodable PDU during login: ${d.message}`);
        return;
      }
      this.onLogin(d.pdu);
      return;
    }
    if (!d.ok) {
      this.reject(d.reason, raw.bhs, d.message);
      return;
    }
    dispatchFullFeature(this, d.pdu as Pdu, raw);
  }

  private newLoginMachine(): LoginMachine {
    return new LoginMachine({
      targetName: this.ctx.targetName,
      tpgt: this.portal.tpgt,
      portal: { host: this.localHost, port: this.socket.localPort ?? this.portal.port },
      auth: this.ctx.auth,
      limits: this.ctx.limits,
      serving: () => this.ctx.serving(),
      checkJoin: (name, isid, tsih) => {
        const s = this.ctx.registry.byTsihValue(tsih);
        if (!s || s.initiatorName !== name || !s.isid.equals(isid) || s.tpgt !== this.portal.tpgt) return 'session-does-not-exist';
        if (s.connections.size >= s.params.maxConnections) return 'too-many-connections';
        return 'ok';
      },
    });
  }

  private onLogin(req: LoginRequest): void {
    const m = this.login;
    const step = m.step(req);
    let status: number = step.reply.status;
    let detail = step.detail;
    let tsih = m.tsih;
    if (step.outcome === 'complete') {
      const r = completeLogin(this, m);
      if (r.ok) tsih = r.session.tsih;
      else {
        status = r.status;
        detail = r.detail;
      }
    }
    const failed = status !== LoginStatus.Success;
    const reply = step.reply;
    this.send({
      kind: 'LoginResponse',
      immediate: false,
      transit: failed ? false : reply.transit,
      continue: false,
      csg: reply.csg,
      nsg: failed ? 0 : reply.nsg,
      versionMax: 0,
      versionActive: 0,
      isid: m.isid,
      tsih,
      itt: req.itt,
      statSN: this.statSN++,
      expCmdSN: this.expCmdSN,
      maxCmdSN: this.maxCmdSN,
      statusClass: status >> 8,
      statusDetail: status & 0xff,
      data: failed ? Buffer.alloc(0) : encodeTextData(reply.pairs),
    });
    if (failed) {
      this.log.info({ remote: this.remote, initiator: m.initiatorName, status: status.toString(16), detail }, 'iscsi login failed');
      this.ctx.emit({ type: 'login-failed', initiatorName: m.initiatorName, detail: `${this.remote}: ${detail ?? 'status 0x' + status.toString(16)}` });
      this.closeAfterFlush('login failed');
      return;
    }
    if (step.outcome === 'complete') this.enterFullFeature();
  }

  private enterFullFeature(): void {
    const p = this.params!;
    this.phase = 'full-feature';
    if (this.loginTimer !== undefined) this.ctx.clock.clearTimeout(this.loginTimer);
    this.loginTimer = undefined;
    // §13.1: digests apply after the final Login Response.
    this.digests = { header: p.headerDigest === 'CRC32C', data: p.dataDigest === 'CRC32C' };
    this.framer.setDigests(this.digests);
    this.framer.setMaxRecvDataSegmentLength(p.ourMaxRecvDataSegmentLength);
    this.lastRx = this.ctx.clock.now();
    if (this.ctx.nopInterval > 0) this.nopTimer = this.ctx.clock.setInterval(() => this.keepalive(), this.ctx.nopInterval);
  }

  /** §11.19: a target NOP-In with a valid TTT asks the initiator to answer with a NOP-Out. */
  private keepalive(): void {
    try {
      this.keepaliveTick();
    } catch (err) {
      this.log.error({ err }, 'iscsi keepalive failed');
      this.close('internal error in keepalive');
    }
  }

  private keepaliveTick(): void {
    if (this.phase !== 'full-feature') return;
    const idle = this.ctx.clock.now() - this.lastRx;
    if (idle >= this.ctx.nopTimeout) {
      this.log.info({ remote: this.remote, idleMs: idle }, 'iscsi connection unresponsive; dropping it');
      this.close('no answer to NOP-In');
      return;
    }
    if (idle < this.ctx.nopInterval) return;
    this.send({
      kind: 'NopIn',
      immediate: false,
      lun: Buffer.alloc(8),
      itt: NO_TTT,
      ttt: this.nextTtt(),
      statSN: this.statSN, // "when the NOP-In is not sent in response to a NOP-Out ... the StatSN MUST NOT be advanced"
      expCmdSN: this.expCmdSN,
      maxCmdSN: this.maxCmdSN,
      data: Buffer.alloc(0),
    });
  }

  private onClose(): void {
    this.phase = 'closed';
    this.stopTimers();
    for (const t of this.tasks.values()) t.aborted = true;
    this.tasks.clear();
    const s = this.session;
    if (!s) return;
    s.connections.delete(this);
    if (!this.loggedOut && !s.ended) {
      this.ctx.emit({ type: 'connection-lost', initiatorName: s.initiatorName, detail: `${this.remote} cid ${this.cid}` });
    }
    if (s.connections.size === 0 && !s.ended) endSession(this.ctx, s, this.loggedOut ? 'logout' : 'connection lost');
  }
}

