/**
 * One TCP connection of an initiator: framing (RFC 7143 §11.2 via pdu/framer.ts),
 * decoding, and corked writes. Everything sent during one tick leaves in one writev;
 * data segments are passed by reference (no copies).
 *
 * Failure semantics: a framing error, a decode error, a socket error or end of stream
 * closes the connection and emits 'close' exactly once with a reason. Data-digest errors
 * on a received PDU are also fatal here: at ErrorRecoveryLevel 0 the initiator cannot
 * recover the lost data, so the connection is dropped (§7.8 "Digest Errors").
 */
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { decodePdu } from '../pdu/decode.js';
import { encodePdu } from '../pdu/encode.js';
import { Framer } from '../pdu/framer.js';
import type { DigestSettings, InitiatorPdu, TargetPdu } from '../pdu/types.js';

export interface InitiatorConnectionEvents {
  pdu: [TargetPdu];
  close: [string];
}

export class InitiatorConnection extends EventEmitter<InitiatorConnectionEvents> {
  private readonly framer: Framer;
  private digests: DigestSettings = { header: false, data: false };
  private corked = false;
  private closedReason: string | undefined;
  /** Time (ms, Date.now) the last bytes arrived. */
  lastRx = Date.now();

  private constructor(private readonly sock: Socket, maxRecv: number) {
    super();
    this.framer = new Framer({ maxRecvDataSegmentLength: maxRecv });
    sock.on('data', (chunk: Buffer) => this.onData(chunk));
    sock.on('error', (err) => this.close(`socket error: ${err.message}`));
    sock.on('end', () => this.close('the target closed the connection'));
    sock.on('close', () => this.close('connection closed'));
  }

  /** Open a TCP connection; rejects on connect error or after timeoutMs. */
  static open(host: string, port: number, maxRecv: number, timeoutMs: number): Promise<InitiatorConnection> {
    return new Promise((resolve, reject) => {
      const sock = connect({ host, port, noDelay: true });
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`TCP connect to ${host}:${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      const onErr = (err: Error): void => {
        clearTimeout(timer);
        reject(new Error(`TCP connect to ${host}:${port} failed: ${err.message}`));
      };
      sock.once('error', onErr);
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.off('error', onErr);
        resolve(new InitiatorConnection(sock, maxRecv));
      });
    });
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  get reason(): string | undefined {
    return this.closedReason;
  }

  /** Switch digests for both directions (after the final Login Response, §13.1). */
  setDigests(d: DigestSettings): void {
    this.digests = { ...d };
    this.framer.setDigests(d);
  }

  setMaxRecv(n: number): void {
    this.framer.setMaxRecvDataSegmentLength(n);
  }

  /** Queue a PDU; writes of the same tick are corked together. */
  send(pdu: InitiatorPdu): void {
    if (this.closedReason !== undefined) return;
    if (!this.corked) {
      this.corked = true;
      this.sock.cork();
      process.nextTick(() => {
        this.corked = false;
        this.sock.uncork();
      });
    }
    for (const b of encodePdu(pdu, this.digests)) this.sock.write(b);
  }

  /** Bytes queued in the socket but not yet handed to the kernel. */
  get writeBacklog(): number {
    return this.sock.writableLength;
  }

  close(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    this.sock.destroy();
    this.emit('close', reason);
  }

  private onData(chunk: Buffer): void {
    this.lastRx = Date.now();
    for (const ev of this.framer.push(chunk)) {
      if (this.closedReason !== undefined) return;
      if (ev.type === 'fatal') return this.close(`framing error: ${ev.message}`);
      if (ev.type === 'data-digest-error') return this.close('data digest error in a PDU from the target');
      const d = decodePdu(ev.pdu);
      if (!d.ok) return this.close(`undecodable PDU from the target: ${d.message}`);
      const p = d.pdu;
      if (p.kind === 'NopOut' || p.kind === 'ScsiCommand' || p.kind === 'TaskMgmtRequest' || p.kind === 'LoginRequest' ||
        p.kind === 'TextRequest' || p.kind === 'ScsiDataOut' || p.kind === 'LogoutRequest' || p.kind === 'SnackRequest') {
        return this.close(`the target sent an initiator PDU (${p.kind})`);
      }
      this.emit('pdu', p);
    }
  }
}
