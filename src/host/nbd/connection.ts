/**
 * One NBD client connection: fixed newstyle handshake, option haggling, then the
 * transmission phase with many requests in flight, replied to as they complete
 * (NetworkBlockDevice/nbd doc/proto.md). Simple replies only: NBD_OPT_STRUCTURED_REPLY
 * is answered NBD_REP_ERR_UNSUP, which the spec allows ("the server … MAY … reply
 * with NBD_REP_ERR_UNSUP").
 *
 * Failure semantics: a protocol violation closes the connection; a bad request gets
 * an error reply (EINVAL, EPERM); a device failure gets EIO. Nothing a client sends
 * throws out of this class.
 */
import type { Socket } from 'node:net';
import type { Logger } from '../../lib/logger.js';
import { alignedSpan, readBytes, trimBytes, writeBytes, zeroBytes } from './block-io.js';
import { ClientFlag, Cmd, CmdFlag, HandshakeFlag, Info, KNOWN_CLIENT_FLAGS, MAX_STRING, NbdErr, Opt, Rep, TxFlag } from './constants.js';
import { NbdServerDecoder, type ClientMessage, type NbdRequest } from './decoder.js';
import {
  encodeExportNameReply, encodeGreeting, encodeInfoBlockSize, encodeInfoExport, encodeInfoString, encodeOptionError,
  encodeOptionReply, encodeRepServer, encodeSimpleReply, parseInfoRequest,
} from './encoder.js';
import type { NbdExport, NbdExportRegistry } from './exports.js';
import { InflightOrder, type Access } from './inflight-order.js';

export interface NbdConnectionOptions {
  exports: NbdExportRegistry;
  logger?: Logger | undefined;
  /** Largest READ/WRITE accepted (advertised as the maximum block size); default 32 MiB. */
  maxPayload?: number | undefined;
  /** Requests executing at once before the socket stops being read; default 64. */
  maxInflight?: number | undefined;
}

export interface NbdConnectionStats {
  requests: number;
  errors: number;
  inflight: number;
}

export function transmissionFlags(e: NbdExport): number {
  let f = TxFlag.HAS_FLAGS | TxFlag.SEND_FLUSH | TxFlag.SEND_FUA | TxFlag.SEND_WRITE_ZEROES | TxFlag.CAN_MULTI_CONN;
  if (e.readOnly) f |= TxFlag.READ_ONLY;
  else if (e.device.thin) f |= TxFlag.SEND_TRIM;
  return f;
}

const ALLOWED_FLAGS = CmdFlag.FUA | CmdFlag.NO_HOLE | CmdFlag.DF;

export class NbdConnection {
  readonly stats: NbdConnectionStats = { requests: 0, errors: 0, inflight: 0 };
  readonly closed: Promise<void>;
  private readonly decoder: NbdServerDecoder;
  private readonly order = new InflightOrder();
  private readonly maxPayload: number;
  private readonly maxInflight: number;
  private fixed = false;
  private noZeroes = false;
  private exp: NbdExport | undefined;
  private stopped = false; // no more messages are taken from the decoder
  private drained: (() => void) | undefined;

  constructor(private readonly socket: Socket, private readonly opts: NbdConnectionOptions) {
    this.maxPayload = opts.maxPayload ?? 32 * 1024 * 1024;
    this.maxInflight = opts.maxInflight ?? 64;
    this.decoder = new NbdServerDecoder({ maxPayload: this.maxPayload });
    this.closed = new Promise((r) => socket.once('close', () => r()));
    socket.setNoDelay?.(true);
    socket.on('error', (err) => this.opts.logger?.debug({ err }, 'nbd client socket error'));
    socket.on('data', (chunk: Buffer) => {
      this.decoder.push(chunk);
      this.pump();
    });
    socket.on('end', () => this.finish());
    socket.write(encodeGreeting(HandshakeFlag.FIXED_NEWSTYLE | HandshakeFlag.NO_ZEROES));
  }

  /** Stops taking requests, waits (up to timeoutMs) for those in flight, then closes. */
  async shutdown(timeoutMs = 5000): Promise<void> {
    this.stopped = true;
    this.socket.pause();
    if (this.stats.inflight > 0) {
      await Promise.race([new Promise<void>((r) => (this.drained = r)), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    }
    this.socket.destroy();
    await this.closed;
  }

  private pump(): void {
    while (!this.stopped && !this.socket.destroyed) {
      let m: ClientMessage | undefined;
      try {
        m = this.decoder.next();
      } catch (err) {
        this.hangUp(`decoder failure: ${(err as Error).message}`);
        return;
      }
      if (!m) return;
      this.handle(m);
    }
  }

  private hangUp(reason: string): void {
    this.opts.logger?.info({ reason }, 'nbd: closing client connection');
    this.stopped = true;
    this.socket.destroy();
  }

  /** Client half-closed or sent NBD_CMD_DISC: close once nothing is in flight. */
  private finish(): void {
    this.stopped = true;
    if (this.stats.inflight === 0) this.socket.end();
    else this.drained = () => this.socket.end();
  }

  private send(b: Buffer): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(b);
  }

  private handle(m: ClientMessage): void {
    switch (m.type) {
      case 'violation':
        return this.hangUp(m.reason);
      case 'client-flags':
        // "If the client sets unknown flags, the server MUST close the connection" (fixed newstyle negotiation).
        if ((m.flags & ~KNOWN_CLIENT_FLAGS) !== 0) return this.hangUp(`unknown client flags 0x${m.flags.toString(16)}`);
        this.fixed = (m.flags & ClientFlag.C_FIXED_NEWSTYLE) !== 0;
        this.noZeroes = (m.flags & ClientFlag.C_NO_ZEROES) !== 0;
        return;
      case 'option-too-big':
        if (!this.fixed) return this.hangUp('oversized option from a non-fixed-newstyle client');
        return this.send(encodeOptionError(m.option, Rep.ERR_TOO_BIG, `option data of ${m.length} bytes is too large`));
      case 'option':
        return this.handleOption(m.option, m.data);
      case 'request':
        return this.handleRequest(m);
    }
  }

  private handleOption(option: number, data: Buffer): void {
    if (option === Opt.EXPORT_NAME) {
      const name = data.toString('utf8');
      const e = this.opts.exports.get(name);
      // "If the server cannot or will not export …, it MUST terminate the session": no error reply exists.
      if (!e) return this.hangUp(`NBD_OPT_EXPORT_NAME for unknown export '${name}'`);
      this.send(encodeExportNameReply(e.device.sizeBytes, transmissionFlags(e), this.noZeroes));
      return this.enterTransmission(e);
    }
    // A client that did not agree to fixed newstyle cannot receive error replies.
    if (!this.fixed) return this.hangUp(`option ${option} from a non-fixed-newstyle client`);
    switch (option) {
      case Opt.ABORT:
        // "the server … SHOULD reply with NBD_REP_ACK and then close the connection".
        this.send(encodeOptionReply(option, Rep.ACK));
        this.stopped = true;
        this.socket.end();
        return;
      case Opt.LIST:
        if (data.length !== 0) return this.send(encodeOptionError(option, Rep.ERR_INVALID, 'NBD_OPT_LIST takes no data'));
        for (const e of this.opts.exports.list()) this.send(encodeRepServer(option, e.name));
        return this.send(encodeOptionReply(option, Rep.ACK));
      case Opt.INFO:
      case Opt.GO:
        return this.handleInfo(option, data);
      default:
        // STARTTLS: "MUST respond with NBD_REP_ERR_POLICY … or NBD_REP_ERR_UNSUP"; the rest we do not implement.
        return this.send(encodeOptionError(option, Rep.ERR_UNSUP, `option ${option} is not supported`));
    }
  }

  private handleInfo(option: number, data: Buffer): void {
    const req = parseInfoRequest(data);
    if ('invalid' in req) return this.send(encodeOptionError(option, Rep.ERR_INVALID, req.invalid));
    if (Buffer.byteLength(req.name) > MAX_STRING) return this.send(encodeOptionError(option, Rep.ERR_INVALID, 'export name longer than 4096 bytes'));
    const e = this.opts.exports.get(req.name);
    if (!e) return this.send(encodeOptionError(option, Rep.ERR_UNKNOWN, `no export named '${req.name}'`));
    // "The server MUST send NBD_INFO_EXPORT"; block sizes may be sent unrequested.
    this.send(encodeInfoExport(option, e.device.sizeBytes, transmissionFlags(e)));
    if (req.infos.includes(Info.NAME)) this.send(encodeInfoString(option, Info.NAME, e.name));
    if (req.infos.includes(Info.DESCRIPTION) && e.description) this.send(encodeInfoString(option, Info.DESCRIPTION, e.description));
    const bs = e.device.blockSize;
    this.send(encodeInfoBlockSize(option, bs, Math.max(bs, 4096), this.maxPayload));
    this.send(encodeOptionReply(option, Rep.ACK));
    if (option === Opt.GO) this.enterTransmission(e);
  }

  private enterTransmission(e: NbdExport): void {
    this.exp = e;
    this.decoder.enterTransmission();
  }

  private reply(handle: bigint, error: number, data?: Buffer): void {
    if (error !== NbdErr.OK) this.stats.errors++;
    if (data && error === NbdErr.OK && data.length > 0) {
      // One segment for header + data where the kernel allows.
      this.socket.cork();
      this.send(encodeSimpleReply(handle, error));
      this.send(data);
      process.nextTick(() => this.socket.uncork());
    } else this.send(encodeSimpleReply(handle, error));
  }

  /** An error value for a malformed or out-of-range request, or 0. */
  private validate(r: NbdRequest, e: NbdExport): number {
    if ((r.flags & ~ALLOWED_FLAGS) !== 0) return NbdErr.EINVAL;
    if (r.payloadSkipped) return NbdErr.EINVAL;
    const writeLike = r.command === Cmd.WRITE || r.command === Cmd.TRIM || r.command === Cmd.WRITE_ZEROES;
    if (r.command === Cmd.FLUSH) return NbdErr.OK;
    if (r.command !== Cmd.READ && !writeLike) return NbdErr.EINVAL; // "unknown command … SHOULD … EINVAL"
    if (writeLike && e.readOnly) return NbdErr.EPERM;
    if (r.command === Cmd.READ && r.length > this.maxPayload) return NbdErr.EINVAL;
    if (r.offset + BigInt(r.length) > BigInt(e.device.sizeBytes)) return NbdErr.EINVAL;
    return NbdErr.OK;
  }

  private handleRequest(r: NbdRequest): void {
    const e = this.exp;
    if (!e) return this.hangUp('request before the transmission phase');
    if (r.command === Cmd.DISC) return this.finish(); // "the server MUST … close the TCP connection" once done
    this.stats.requests++;
    const err = this.validate(r, e);
    if (err !== NbdErr.OK) return this.reply(r.handle, err);
    const offset = Number(r.offset);
    const access: Access = r.command === Cmd.READ ? 'read' : r.command === Cmd.FLUSH ? 'flush' : 'write';
    const span = alignedSpan(e.device.blockSize, offset, r.length);
    const slot = this.order.admit(access, span.start, span.end);
    this.stats.inflight++;
    if (this.stats.inflight >= this.maxInflight) this.socket.pause();
    void this.run(e, r, offset, slot.ready).then(
      ({ error, data }) => this.reply(r.handle, error, data),
      (err: unknown) => {
        this.opts.logger?.warn({ err, command: r.command, offset, length: r.length }, 'nbd: device I/O failed');
        this.reply(r.handle, NbdErr.EIO);
      },
    ).finally(() => {
      slot.release();
      this.stats.inflight--;
      if (this.stats.inflight < this.maxInflight && !this.stopped) this.socket.resume();
      if (this.stats.inflight === 0 && this.drained) {
        const d = this.drained;
        this.drained = undefined;
        d();
      }
    });
  }

  private async run(e: NbdExport, r: NbdRequest, offset: number, ready: Promise<unknown> | undefined): Promise<{ error: number; data?: Buffer }> {
    if (ready) await ready;
    const dev = e.device;
    const fua = (r.flags & CmdFlag.FUA) !== 0;
    switch (r.command) {
      case Cmd.READ:
        return { error: NbdErr.OK, data: await readBytes(dev, offset, r.length) };
      case Cmd.WRITE:
        await writeBytes(dev, offset, r.data ?? Buffer.alloc(0), fua);
        break;
      case Cmd.FLUSH:
        await dev.flush();
        break;
      case Cmd.TRIM:
        await trimBytes(dev, offset, r.length, fua);
        break;
      case Cmd.WRITE_ZEROES:
        await zeroBytes(dev, offset, r.length, fua);
        break;
    }
    return { error: NbdErr.OK };
  }
}
