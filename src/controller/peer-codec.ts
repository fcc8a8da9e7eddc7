/**
 * Peer link wire format (docs/ha.md "Peer link protocol"), pure — no sockets, no timers.
 *
 *   frame   = headerLength:u32 (big-endian) | header:JSON (UTF-8, headerLength bytes) | payload
 *   payload = header.payloadLength bytes (0 when absent)
 *
 * Messages: auth-challenge / auth-response (mutual HMAC, see peer-auth.ts), hello,
 * heartbeat {seq, ts}, request {id, kind, body} / response {id, ok, body | error},
 * notify {kind, body} (one-way), bye. Request kinds: forward-cmd, pr-update (the LU state),
 * ua-broadcast, nexus-lost, ownership-change, tmf, lun-reset, move-begin, move-abort. Malformed input is a value
 * (PeerCodecError), never an exception; after one the decoder stays failed (the
 * connection must be closed: there is no way to resynchronise a length-prefixed stream).
 */

export const PEER_PROTOCOL_VERSION = 1;
export const DEFAULT_MAX_HEADER_BYTES = 64 * 1024;
export const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

export const PEER_REQUEST_KINDS = ['forward-cmd', 'pr-update', 'ua-broadcast', 'nexus-lost', 'ownership-change', 'tmf', 'lun-reset', 'move-begin', 'move-abort'] as const;
export type PeerRequestKind = (typeof PEER_REQUEST_KINDS)[number];

export interface PeerErrorBody {
  readonly code: string;
  readonly message: string;
}

export type PeerHeader =
  | { readonly type: 'auth-challenge'; readonly controller: string; readonly nonce: string; readonly version: number }
  | { readonly type: 'auth-response'; readonly proof: string }
  | { readonly type: 'hello'; readonly controller: string; readonly incarnation: string; readonly startedAt: number }
  | { readonly type: 'heartbeat'; readonly seq: number; readonly ts: number }
  | { readonly type: 'request'; readonly id: number; readonly kind: PeerRequestKind; readonly body: JsonValue }
  | { readonly type: 'response'; readonly id: number; readonly ok: true; readonly body: JsonValue }
  | { readonly type: 'response'; readonly id: number; readonly ok: false; readonly error: PeerErrorBody }
  | { readonly type: 'notify'; readonly kind: PeerRequestKind; readonly body: JsonValue }
  | { readonly type: 'bye'; readonly reason: string };

export type PeerMessageType = PeerHeader['type'];

export interface PeerFrame {
  readonly header: PeerHeader;
  /** Binary payload (e.g. Data-Out / Data-In of a forwarded command); absent when empty. */
  readonly payload?: Buffer;
}

export type PeerCodecErrorCode = 'header-too-large' | 'payload-too-large' | 'bad-json' | 'bad-header';

export interface PeerCodecError {
  readonly code: PeerCodecErrorCode;
  readonly message: string;
}

export interface PeerDecodeResult {
  readonly frames: PeerFrame[];
  readonly error?: PeerCodecError;
}

/** Encodes one frame. */
export function encodePeerFrame(header: PeerHeader, payload?: Buffer): Buffer {
  const len = payload?.length ?? 0;
  const json = Buffer.from(JSON.stringify(len > 0 ? { ...header, payloadLength: len } : header), 'utf8');
  const prefix = Buffer.allocUnsafe(4);
  prefix.writeUInt32BE(json.length, 0);
  return len > 0 ? Buffer.concat([prefix, json, payload!], 4 + json.length + len) : Buffer.concat([prefix, json], 4 + json.length);
}

const isStr = (x: unknown): x is string => typeof x === 'string';
const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isKind = (x: unknown): x is PeerRequestKind => (PEER_REQUEST_KINDS as readonly unknown[]).includes(x);

/** Checks a parsed header; returns the header (without payloadLength) or a reason. */
export function validatePeerHeader(o: unknown): PeerHeader | string {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return 'header is not a JSON object';
  const h = o as Record<string, unknown>;
  switch (h.type) {
    case 'auth-challenge':
      return isStr(h.controller) && isStr(h.nonce) && isInt(h.version)
        ? { type: 'auth-challenge', controller: h.controller, nonce: h.nonce, version: h.version } : 'auth-challenge needs controller, nonce, version';
    case 'auth-response':
      return isStr(h.proof) ? { type: 'auth-response', proof: h.proof } : 'auth-response needs proof';
    case 'hello':
      return isStr(h.controller) && isStr(h.incarnation) && isNum(h.startedAt)
        ? { type: 'hello', controller: h.controller, incarnation: h.incarnation, startedAt: h.startedAt } : 'hello needs controller, incarnation, startedAt';
    case 'heartbeat':
      return isInt(h.seq) && isNum(h.ts) ? { type: 'heartbeat', seq: h.seq, ts: h.ts } : 'heartbeat needs seq, ts';
    case 'request':
      if (!isInt(h.id) || !isKind(h.kind) || !('body' in h)) return 'request needs id, a known kind and body';
      return { type: 'request', id: h.id, kind: h.kind, body: h.body as JsonValue };
    case 'response':
      if (!isInt(h.id)) return 'response needs id';
      if (h.ok === true && 'body' in h) return { type: 'response', id: h.id, ok: true, body: h.body as JsonValue };
      if (h.ok === false && typeof h.error === 'object' && h.error !== null) {
        const e = h.error as Record<string, unknown>;
        if (isStr(e.code) && isStr(e.message)) return { type: 'response', id: h.id, ok: false, error: { code: e.code, message: e.message } };
      }
      return 'response needs ok with body, or ok:false with error {code, message}';
    case 'notify':
      return isKind(h.kind) && 'body' in h ? { type: 'notify', kind: h.kind, body: h.body as JsonValue } : 'notify needs a known kind and body';
    case 'bye':
      return isStr(h.reason) ? { type: 'bye', reason: h.reason } : 'bye needs reason';
    default:
      return `unknown message type ${JSON.stringify(h.type)}`;
  }
}

/** Incremental decoder: push() any chunking of the byte stream, get whole frames. */
export class PeerFrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private failed: PeerCodecError | undefined;
  /** Header decoded, waiting for its payload. */
  private pending: { header: PeerHeader; payloadLength: number } | undefined;

  constructor(private readonly limits: { maxHeaderBytes?: number | undefined; maxPayloadBytes?: number | undefined } = {}) {}

  get error(): PeerCodecError | undefined {
    return this.failed;
  }

  /** Bytes held waiting for the rest of a frame. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): PeerDecodeResult {
    if (this.failed) return { frames: [], error: this.failed };
    if (chunk.length > 0) { this.chunks.push(chunk); this.buffered += chunk.length; }
    const frames: PeerFrame[] = [];
    for (;;) {
      if (!this.pending) {
        if (this.buffered < 4) break;
        const hlen = this.peek(4).readUInt32BE(0);
        const max = this.limits.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
        if (hlen > max) return this.fail(frames, 'header-too-large', `frame header of ${hlen} bytes exceeds ${max}`);
        if (this.buffered < 4 + hlen) break;
        this.take(4);
        const text = this.take(hlen).toString('utf8');
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          return this.fail(frames, 'bad-json', 'frame header is not valid JSON');
        }
        const plen = (parsed as { payloadLength?: unknown } | null)?.payloadLength ?? 0;
        if (!isInt(plen)) return this.fail(frames, 'bad-header', 'payloadLength must be a non-negative integer');
        const maxP = this.limits.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
        if (plen > maxP) return this.fail(frames, 'payload-too-large', `payload of ${plen} bytes exceeds ${maxP}`);
        const header = validatePeerHeader(parsed);
        if (typeof header === 'string') return this.fail(frames, 'bad-header', header);
        this.pending = { header, payloadLength: plen };
      }
      const p = this.pending;
      if (this.buffered < p.payloadLength) break;
      this.pending = undefined;
      frames.push(p.payloadLength > 0 ? { header: p.header, payload: this.take(p.payloadLength) } : { header: p.header });
    }
    return { frames };
  }

  private fail(frames: PeerFrame[], code: PeerCodecErrorCode, message: string): PeerDecodeResult {
    this.failed = { code, message };
    this.chunks = [];
    this.buffered = 0;
    return { frames, error: this.failed };
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!.subarray(0, n);
    const all = Buffer.concat(this.chunks);
    this.chunks = [all];
    return all.subarray(0, n);
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift(); else this.chunks[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.chunks);
      out = all.subarray(0, n);
      this.chunks = all.length > n ? [all.subarray(n)] : [];
    }
    this.buffered -= n;
    return out;
  }
}
