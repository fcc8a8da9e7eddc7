/**
 * Framer: turns an arbitrary split of a TCP byte stream into whole iSCSI PDUs
 * (RFC 7143 §11.2: BHS 48 bytes, AHS TotalAHSLength*4 bytes, optional header digest,
 * data segment padded to 4 bytes, optional data digest; §13.1 digests are CRC32C).
 *
 * Failure semantics (§7.8 "Digest Errors"):
 *  - header digest mismatch, or DataSegmentLength above MaxRecvDataSegmentLength →
 *    { type:'fatal' }; the stream can no longer be trusted, the caller closes the
 *    connection. After a fatal event push() yields nothing more.
 *  - data digest mismatch → { type:'data-digest-error', pdu }; the framing (header) was
 *    sound so the stream stays in sync: "the target MUST ... discard the PDU and send a
 *    Reject (reason 0x02 Data Digest Error)" (§7.8).
 * Never throws on any input.
 *
 * Copies: a PDU lying inside one pushed chunk is returned as views of that chunk (zero
 * copy; the caller must not reuse pushed buffers); a PDU spanning chunks is copied once
 * into a fresh buffer — or, when the `placeData` option names a destination for that
 * PDU's data segment (e.g. the spot in a write buffer a Data-Out is bound for), its data
 * segment is copied straight there and `data` is a view of that destination.
 * Returned views stay valid forever.
 */
import { crc32c } from '../../lib/crc32c.js';
import type { DigestSettings, FramerEvent, RawPdu } from './types.js';

export interface FramerOptions {
  maxRecvDataSegmentLength: number;
  digests?: DigestSettings;
  /**
   * Asked (synchronously, with the 48-byte BHS, only valid during the call) for a PDU whose
   * bytes span several pushed chunks: a buffer of exactly `dataLength` bytes to copy the
   * data segment into, or undefined for the usual single copy.
   */
  placeData?: (bhs: Buffer, dataLength: number) => Buffer | undefined;
}

export class Framer {
  private maxRecv: number;
  private digests: DigestSettings;
  private chunks: Buffer[] = [];
  private head = 0; // consumed bytes of chunks[0]
  private buffered = 0; // unconsumed bytes across chunks
  private need = 0; // total length of the PDU being assembled, 0 = header not yet seen
  private dead = false;
  private curHd = false; // digests in force for the PDU being assembled
  private curDd = false;
  private readonly hdrTmp = Buffer.alloc(48 + 255 * 4 + 4); // BHS + max AHS + header digest
  private readonly placeData: FramerOptions['placeData'];

  constructor(opts: FramerOptions) {
    this.maxRecv = opts.maxRecvDataSegmentLength;
    this.placeData = opts.placeData;
    this.digests = opts.digests ? { ...opts.digests } : { header: false, data: false };
  }

  /** Switch digests; applies from the next PDU whose header has not been read yet. */
  setDigests(d: DigestSettings): void {
    this.digests = { header: d.header, data: d.data };
  }

  setMaxRecvDataSegmentLength(n: number): void {
    this.maxRecv = n;
  }

  /** Bytes received but not yet yielded as a PDU. */
  get pendingBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): FramerEvent[] {
    const events: FramerEvent[] = [];
    if (this.dead || chunk.length === 0) return events;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.need === 0) {
        if (this.buffered < 48) break;
        let h = this.peek(48);
        const hdrLen = 48 + h[4]! * 4;
        const dlen = (h[5]! << 16) | (h[6]! << 8) | h[7]!;
        const hd = this.digests.header;
        if (hd) {
          // check the header digest before trusting any length in the header, so a corrupt
          // DataSegmentLength cannot make us wait for data that will never come
          if (this.buffered < hdrLen + 4) break;
          h = this.peek(hdrLen + 4);
          const want = h.readUInt32LE(hdrLen);
          const got = crc32c(h, 0, 0, hdrLen);
          if (want !== got) {
            return this.fail(events, `header digest error: got 0x${got.toString(16)}, PDU says 0x${want.toString(16)}`);
          }
        }
        if (dlen > this.maxRecv) {
          return this.fail(events, `DataSegmentLength ${dlen} exceeds MaxRecvDataSegmentLength ${this.maxRecv}`);
        }
        this.curHd = hd;
        this.curDd = this.digests.data;
        this.need = hdrLen + (hd ? 4 : 0) + ((dlen + 3) & ~3) + (this.curDd && dlen > 0 ? 4 : 0);
      }
      if (this.buffered < this.need) break;
      const total = this.need;
      this.need = 0;
      if (this.placeData !== undefined && this.chunks[0]!.length - this.head < total) {
        const placed = this.takePlaced(total);
        if (placed !== undefined) {
          events.push(placed);
          continue;
        }
      }
      const buf = this.take(total);
      events.push(this.frame(buf));
    }
    return events;
  }

  private fail(events: FramerEvent[], message: string): FramerEvent[] {
    this.dead = true;
    this.chunks = [];
    this.buffered = 0;
    events.push({ type: 'fatal', message });
    return events;
  }

  private frame(buf: Buffer): FramerEvent & { type: 'pdu' | 'data-digest-error' } {
    const ahsLen = buf[4]! * 4;
    const dlen = (buf[5]! << 16) | (buf[6]! << 8) | buf[7]!;
    const hEnd = 48 + ahsLen;
    const off = this.curHd ? hEnd + 4 : hEnd; // header digest already checked in push()
    const pdu: RawPdu = {
      bhs: buf.subarray(0, 48),
      ahs: buf.subarray(48, hEnd),
      data: buf.subarray(off, off + dlen),
    };
    if (this.curDd && dlen > 0) {
      const padded = (dlen + 3) & ~3;
      const want = buf.readUInt32LE(off + padded);
      if (crc32c(buf, 0, off, off + padded) !== want) return { type: 'data-digest-error', pdu };
    }
    return { type: 'pdu', pdu };
  }

  /**
   * A PDU spanning chunks whose data segment goes where placeData says: header (+digest)
   * into a small buffer, data into the destination, padding (+digest) into a small tail.
   */
  private takePlaced(total: number): (FramerEvent & { type: 'pdu' | 'data-digest-error' }) | undefined {
    const h = this.peek(48);
    const dlen = (h[5]! << 16) | (h[6]! << 8) | h[7]!;
    if (dlen === 0) return undefined;
    const hEnd = 48 + h[4]! * 4;
    const headLen = this.curHd ? hEnd + 4 : hEnd;
    const dst = this.placeData!(h, dlen);
    if (dst === undefined || dst.length !== dlen) return undefined;
    const head = Buffer.allocUnsafe(headLen);
    this.copyOut(head, 0, headLen);
    this.copyOut(dst, 0, dlen);
    const tailLen = total - headLen - dlen;
    const tail = Buffer.allocUnsafe(tailLen);
    this.copyOut(tail, 0, tailLen);
    this.buffered -= total;
    const pdu: RawPdu = { bhs: head.subarray(0, 48), ahs: head.subarray(48, hEnd), data: dst };
    if (this.curDd) {
      const padded = (dlen + 3) & ~3;
      const got = crc32c(tail, crc32c(dst), 0, padded - dlen);
      if (got !== tail.readUInt32LE(padded - dlen)) return { type: 'data-digest-error', pdu };
    }
    return { type: 'pdu', pdu };
  }

  /** Copy the next n unconsumed bytes into dst at off, consuming them (not `buffered`). */
  private copyOut(dst: Buffer, off: number, n: number): void {
    let o = 0;
    while (o < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length - this.head, n - o);
      c.copy(dst, off + o, this.head, this.head + k);
      o += k;
      this.head += k;
      if (this.head === c.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
  }

  /** The first n (<= buffered, <= 1072) unconsumed bytes: a view if contiguous, else copied into hdrTmp. */
  private peek(n: number): Buffer {
    const c0 = this.chunks[0]!;
    if (c0.length - this.head >= n) return c0.subarray(this.head, this.head + n);
    let o = 0;
    let h = this.head;
    for (let i = 0; o < n; i++) {
      const c = this.chunks[i]!;
      const k = Math.min(c.length - h, n - o);
      c.copy(this.hdrTmp, o, h, h + k);
      o += k;
      h = 0;
    }
    return this.hdrTmp.subarray(0, n);
  }

  /** Consume n bytes (n <= buffered): a view when inside one chunk, else one copy. */
  private take(n: number): Buffer {
    this.buffered -= n;
    const c0 = this.chunks[0]!;
    const avail0 = c0.length - this.head;
    if (avail0 >= n) {
      const v = c0.subarray(this.head, this.head + n);
      this.head += n;
      if (this.head === c0.length) {
        this.chunks.shift();
        this.head = 0;
      }
      return v;
    }
    const out = Buffer.allocUnsafe(n);
    let o = 0;
    while (o < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length - this.head, n - o);
      c.copy(out, o, this.head, this.head + k);
      o += k;
      this.head += k;
      if (this.head === c.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    return out;
  }
}
