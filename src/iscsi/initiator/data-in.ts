/**
 * Reassembly of read data and completion of one task, RFC 7143 §11.7 (SCSI Data-In),
 * §11.4 (SCSI Response), §11.4.5 (residuals), §11.4.7 (sense data):
 *  - Data-In PDUs are placed by BufferOffset into one buffer of the expected length;
 *    bytes beyond the expected length are dropped (the target reports the overflow).
 *  - status comes in the last Data-In when its S bit is set ("the target MAY ... send
 *    status in the final Data-In PDU"), or in a SCSI Response; "Sense Data ... SenseLength
 *    (2 bytes) followed by the sense bytes".
 *  - U bit: residual underflow, ResidualCount = bytes not transferred; O bit: overflow.
 *  - response 0x01 (Target Failure) carries no valid status: a transport error.
 * Pure: no I/O; the session feeds PDUs in and reads the outcome.
 */
import type { ScsiDataIn, ScsiResponsePdu } from '../pdu/types.js';
import type { ScsiOutcome } from './types.js';

export class DataInAssembly {
  private buf: Buffer | undefined;
  /** Highest byte offset written + 1. */
  private high = 0;
  private received = 0;

  constructor(readonly expected: number) {}

  /** Place one Data-In; returns false when its offset/length lies outside the buffer (logged, not fatal). */
  add(pdu: Pick<ScsiDataIn, 'bufferOffset' | 'data'>): boolean {
    const off = pdu.bufferOffset;
    const len = pdu.data.length;
    if (len === 0) return true;
    if (off >= this.expected) return false;
    if (this.buf === undefined) {
      // a single Data-In covering the whole transfer is kept as a view (no copy)
      if (off === 0 && len === this.expected) {
        this.buf = pdu.data;
        this.high = len;
        this.received = len;
        return true;
      }
      this.buf = Buffer.allocUnsafe(this.expected);
    }
    const n = Math.min(len, this.expected - off);
    pdu.data.copy(this.buf, off, 0, n);
    if (off + n > this.high) this.high = off + n;
    this.received += n;
    return n === len;
  }

  get bytesReceived(): number {
    return this.received;
  }

  /** The data transferred: the first (expected - residual) bytes when underflow, never unwritten memory. */
  data(underflow: boolean, residual: number): Buffer {
    const want = underflow ? Math.max(0, this.expected - residual) : this.expected;
    let len = Math.min(want, this.expected);
    if (this.buf === undefined) return Buffer.alloc(0);
    if (this.high < len) {
      // the target claims more than it sent: zero what never arrived rather than leak memory
      this.buf.fill(0, this.high, len);
    }
    if (len > this.buf.length) len = this.buf.length;
    return this.buf.subarray(0, len);
  }

  /** The outcome when status arrives in the final Data-In (S bit). */
  completeFromDataIn(pdu: ScsiDataIn): ScsiOutcome {
    return {
      kind: 'status',
      status: pdu.status,
      data: this.data(pdu.underflow, pdu.residualCount),
      residual: pdu.underflow || pdu.overflow ? pdu.residualCount : 0,
      overflow: pdu.overflow,
    };
  }

  /** The outcome from a SCSI Response. */
  completeFromResponse(pdu: ScsiResponsePdu): ScsiOutcome {
    if (pdu.response !== 0) {
      return { kind: 'transport-error', error: new Error(`iSCSI response 0x${pdu.response.toString(16)} (target failure)`) };
    }
    const out: ScsiOutcome = {
      kind: 'status',
      status: pdu.status,
      data: this.data(pdu.underflow, pdu.residualCount),
      residual: pdu.underflow || pdu.overflow ? pdu.residualCount : 0,
      overflow: pdu.overflow,
    };
    const sense = senseFromResponseData(pdu.data);
    if (sense) out.sense = sense;
    return out;
  }
}

/** §11.4.7.1: the data segment of a SCSI Response is SenseLength (2 bytes) + sense data. */
export function senseFromResponseData(data: Buffer): Buffer | undefined {
  if (data.length < 2) return undefined;
  const n = data.readUInt16BE(0);
  if (n === 0) return undefined;
  return data.subarray(2, 2 + Math.min(n, data.length - 2));
}
