/**
 * NBD server-side decoder: bytes from a client → messages. Pure: no sockets, no
 * timers (NetworkBlockDevice/nbd doc/proto.md, "Fixed newstyle negotiation",
 * "Option haggling", "Transmission phase: Request message").
 *
 * The caller pulls one message at a time with next() and tells the decoder when the
 * handshake ends (enterTransmission()), because which phase the following bytes
 * belong to depends on the server's answer to NBD_OPT_GO / NBD_OPT_EXPORT_NAME.
 *
 * A protocol violation yields one { type: 'violation' } and the decoder stops: "Either
 * side MAY initiate a hard disconnect if it detects a violation by the other party of
 * a mandatory condition within this document."
 */
import { ByteQueue } from './byte-queue.js';
import { Cmd, IHAVEOPT, REQUEST_MAGIC } from './constants.js';

export type ClientMessage =
  | { type: 'client-flags'; flags: number }
  | { type: 'option'; option: number; data: Buffer }
  /** An option whose data was longer than maxOptionLength; the data was skipped. */
  | { type: 'option-too-big'; option: number; length: number }
  | NbdRequest
  | { type: 'violation'; reason: string };

export interface NbdRequest {
  type: 'request';
  flags: number;
  command: number;
  /** The client's 64-bit cookie, echoed in the reply. */
  handle: bigint;
  offset: bigint;
  length: number;
  /** WRITE payload. */
  data?: Buffer;
  /** True when a WRITE payload longer than maxPayload was read and discarded. */
  payloadSkipped?: boolean;
}

export type DecoderPhase = 'client-flags' | 'options' | 'transmission' | 'dead';

export interface DecoderOptions {
  /** Longest option data kept (longer ones are skipped); default 64 KiB. */
  maxOptionLength?: number;
  /** Longest WRITE payload kept (longer ones are skipped); default 32 MiB. */
  maxPayload?: number;
}

const OPTION_HEADER = 16;
const REQUEST_HEADER = 28;

export class NbdServerDecoder {
  private q = new ByteQueue();
  private _phase: DecoderPhase = 'client-flags';
  private skipLeft = 0;
  private afterSkip: ClientMessage | undefined;
  private readonly maxOptionLength: number;
  private readonly maxPayload: number;

  constructor(opts: DecoderOptions = {}) {
    this.maxOptionLength = opts.maxOptionLength ?? 64 * 1024;
    this.maxPayload = opts.maxPayload ?? 32 * 1024 * 1024;
  }

  get phase(): DecoderPhase {
    return this._phase;
  }

  /** Bytes received and not yet decoded. */
  get buffered(): number {
    return this.q.length;
  }

  push(chunk: Buffer): void {
    if (this._phase !== 'dead') this.q.push(chunk);
  }

  enterTransmission(): void {
    if (this._phase === 'options') this._phase = 'transmission';
  }

  /** The next complete message, or undefined when more bytes are needed. */
  next(): ClientMessage | undefined {
    if (this.skipLeft > 0) {
      this.skipLeft -= this.q.skip(this.skipLeft);
      if (this.skipLeft > 0) return undefined;
      const m = this.afterSkip;
      this.afterSkip = undefined;
      return m;
    }
    switch (this._phase) {
      case 'client-flags':
        if (this.q.length < 4) return undefined;
        this._phase = 'options';
        return { type: 'client-flags', flags: this.q.take(4).readUInt32BE(0) };
      case 'options':
        return this.nextOption();
      case 'transmission':
        return this.nextRequest();
      case 'dead':
        return undefined;
    }
  }

  private violation(reason: string): ClientMessage {
    this._phase = 'dead';
    this.q = new ByteQueue();
    return { type: 'violation', reason };
  }

  private nextOption(): ClientMessage | undefined {
    if (this.q.length < OPTION_HEADER) return undefined;
    const h = this.q.peek(OPTION_HEADER);
    // "C: 64 bits, 0x49484156454F5054 (ASCII 'IHAVEOPT')" precedes every option.
    if (h.readBigUInt64BE(0) !== IHAVEOPT) return this.violation('option request without the IHAVEOPT magic');
    const option = h.readUInt32BE(8);
    const length = h.readUInt32BE(12);
    if (length > this.maxOptionLength) {
      this.q.skip(OPTION_HEADER);
      this.skipLeft = length;
      this.afterSkip = { type: 'option-too-big', option, length };
      return this.next();
    }
    if (this.q.length < OPTION_HEADER + length) return undefined;
    this.q.skip(OPTION_HEADER);
    return { type: 'option', option, data: Buffer.from(this.q.take(length)) };
  }

  private nextRequest(): ClientMessage | undefined {
    if (this.q.length < REQUEST_HEADER) return undefined;
    const h = this.q.peek(REQUEST_HEADER);
    if (h.readUInt32BE(0) !== REQUEST_MAGIC) return this.violation(`request magic 0x${h.readUInt32BE(0).toString(16)} is not 0x25609513`);
    const req: NbdRequest = {
      type: 'request',
      flags: h.readUInt16BE(4),
      command: h.readUInt16BE(6),
      handle: h.readBigUInt64BE(8),
      offset: h.readBigUInt64BE(16),
      length: h.readUInt32BE(24),
    };
    // Only NBD_CMD_WRITE carries a payload (no extended headers are negotiated).
    if (req.command !== Cmd.WRITE) {
      this.q.skip(REQUEST_HEADER);
      return req;
    }
    if (req.length > this.maxPayload) {
      this.q.skip(REQUEST_HEADER);
      this.skipLeft = req.length;
      this.afterSkip = { ...req, payloadSkipped: true };
      return this.next();
    }
    if (this.q.length < REQUEST_HEADER + req.length) return undefined;
    this.q.skip(REQUEST_HEADER);
    req.data = this.q.take(req.length); // socket chunks are never reused, so a view is safe
    return req;
  }
}
