/**
 * Gathering a write's Data-Out: immediate data, unsolicited Data-Out and R2T-solicited
 * Data-Out. RFC 7143 §4.2.5.2 (data transfer), §11.3 (ImmediateData), §11.7 (Data-Out),
 * §11.8 (R2T), §13.10-§13.17 (InitialR2T, ImmediateData, MaxBurstLength, FirstBurstLength,
 * MaxOutstandingR2T, DataPDUInOrder).
 *
 * "The target may send more than one R2T ... up to MaxOutstandingR2T" (§13.17);
 * "Within a sequence, the DataSN of the first Data-Out is 0 and increments by 1" (§11.7.5);
 * unsolicited data may not exceed FirstBurstLength (§13.14). Data PDUs are required in order
 * (we negotiate DataPDUInOrder=Yes), so each sequence must arrive at its next offset.
 * Pure: the caller allocates Target Transfer Tags and sends the R2T PDUs.
 */

export interface WriteParams {
  firstBurstLength: number;
  maxBurstLength: number;
  maxOutstandingR2T: number;
  initialR2T: boolean;
  immediateData: boolean;
}

export interface R2tRequest {
  ttt: number;
  r2tSN: number;
  bufferOffset: number;
  desiredDataTransferLength: number;
}

export interface DataOutIn {
  ttt: number;
  dataSN: number;
  bufferOffset: number;
  final: boolean;
  data: Buffer;
}

export type DataOutVerdict = { ok: true; complete: boolean } | { ok: false; message: string };

interface OpenR2t {
  r2tSN: number;
  start: number;
  end: number;
  next: number;
  nextDataSN: number;
}

export const UNSOLICITED_TTT = 0xffffffff;

export class WriteTransfer {
  private buf: Buffer | undefined;
  private receivedBytes: number;
  private unsolNext: number;
  private readonly unsolEnd: number;
  private unsolDataSN = 0;
  private r2tNext: number;
  private r2tSN = 0;
  private readonly open = new Map<number, OpenR2t>();

  /**
   * Validates the command's immediate data; on error returns a message via `error`.
   * `commandFinal` is the F bit of the SCSI Command PDU: with F=1 no unsolicited Data-Out follows.
   */
  readonly error: string | undefined;

  /** True when the buffer came from `alloc` (the caller may hand it back once done). */
  readonly allocated: boolean;

  /**
   * `alloc(n, immediate)` supplies the gathering buffer; it may be one that already holds
   * the immediate data at offset 0 (then it is not copied again).
   */
  constructor(readonly edtl: number, immediate: Buffer, commandFinal: boolean, private readonly p: WriteParams, alloc?: (n: number, immediate: Buffer) => Buffer) {
    const imm = immediate.length;
    let error: string | undefined;
    if (imm > 0 && !p.immediateData) error = 'immediate data sent but ImmediateData=No';
    else if (imm > edtl) error = `immediate data (${imm}) exceeds the expected data transfer length (${edtl})`;
    else if (imm > p.firstBurstLength) error = `immediate data (${imm}) exceeds FirstBurstLength (${p.firstBurstLength})`;
    else if (!commandFinal && p.initialR2T) error = 'F=0 on a write command while InitialR2T=Yes';
    this.error = error;
    this.receivedBytes = imm;
    this.unsolNext = imm;
    this.unsolEnd = commandFinal || p.initialR2T ? imm : Math.min(edtl, p.firstBurstLength);
    this.r2tNext = this.unsolEnd;
    this.allocated = imm !== edtl && error === undefined && alloc !== undefined;
    if (imm === edtl) this.buf = immediate;
    else {
      const buf = error === undefined && alloc !== undefined ? alloc(edtl, immediate) : Buffer.allocUnsafe(edtl);
      this.buf = buf;
      if (imm > 0 && (buf.buffer !== immediate.buffer || buf.byteOffset !== immediate.byteOffset)) immediate.copy(buf, 0);
    }
  }

  get complete(): boolean {
    return this.receivedBytes >= this.edtl;
  }

  get received(): number {
    return this.receivedBytes;
  }

  /** The gathered data (only meaningful once complete). */
  get data(): Buffer {
    return this.buf!;
  }

  get outstandingR2Ts(): number {
    return this.open.size;
  }

  hasTtt(ttt: number): boolean {
    return this.open.has(ttt);
  }

  /** R2Ts to send now: as many as MaxOutstandingR2T allows, each ≤ MaxBurstLength. */
  nextR2Ts(allocTtt: () => number): R2tRequest[] {
    const out: R2tRequest[] = [];
    while (this.r2tNext < this.edtl && this.open.size < Math.max(1, this.p.maxOutstandingR2T)) {
      const len = Math.min(this.p.maxBurstLength, this.edtl - this.r2tNext);
      const ttt = allocTtt();
      const r: OpenR2t = { r2tSN: this.r2tSN++, start: this.r2tNext, end: this.r2tNext + len, next: this.r2tNext, nextDataSN: 0 };
      this.open.set(ttt, r);
      out.push({ ttt, r2tSN: r.r2tSN, bufferOffset: r.start, desiredDataTransferLength: len });
      this.r2tNext += len;
    }
    return out;
  }

  /** Number of R2Ts issued so far (ExpDataSN of the SCSI Response for a write, §11.4.8). */
  get r2tCount(): number {
    return this.r2tSN;
  }

  /**
   * Where a Data-Out's data segment belongs in the write buffer, when the PDU (as its
   * header says) is exactly the next one expected; else undefined. Lets the framer copy
   * the data straight into place (onDataOut then sees it there and skips the copy).
   */
  destinationFor(ttt: number, dataSN: number, bufferOffset: number, len: number): Buffer | undefined {
    const buf = this.buf;
    if (buf === undefined || len === 0 || buf.length !== this.edtl) return undefined;
    if (ttt === UNSOLICITED_TTT) {
      if (dataSN !== this.unsolDataSN || bufferOffset !== this.unsolNext || bufferOffset + len > this.unsolEnd) return undefined;
    } else {
      const r = this.open.get(ttt);
      if (!r || dataSN !== r.nextDataSN || bufferOffset !== r.next || bufferOffset + len > r.end) return undefined;
    }
    return buf.subarray(bufferOffset, bufferOffset + len);
  }

  onDataOut(d: DataOutIn): DataOutVerdict {
    const len = d.data.length;
    if (d.ttt === UNSOLICITED_TTT) {
      if (this.unsolNext >= this.unsolEnd && len > 0) return { ok: false, message: 'unsolicited Data-Out beyond FirstBurstLength or not allowed' };
      if (d.dataSN !== this.unsolDataSN) return { ok: false, message: `unsolicited Data-Out DataSN ${d.dataSN}, expected ${this.unsolDataSN}` };
      if (d.bufferOffset !== this.unsolNext) return { ok: false, message: `unsolicited Data-Out at offset ${d.bufferOffset}, expected ${this.unsolNext}` };
      if (d.bufferOffset + len > this.unsolEnd) return { ok: false, message: 'unsolicited Data-Out exceeds FirstBurstLength' };
      this.unsolDataSN++;
      this.place(d.bufferOffset, d.data);
      this.unsolNext += len;
      return { ok: true, complete: this.complete };
    }
    const r = this.open.get(d.ttt);
    if (!r) return { ok: false, message: `Data-Out with unknown Target Transfer Tag 0x${d.ttt.toString(16)}` };
    if (d.dataSN !== r.nextDataSN) return { ok: false, message: `Data-Out DataSN ${d.dataSN}, expected ${r.nextDataSN}` };
    if (d.bufferOffset !== r.next) return { ok: false, message: `Data-Out at offset ${d.bufferOffset}, expected ${r.next}` };
    if (d.bufferOffset + len > r.end) return { ok: false, message: 'Data-Out exceeds the R2T desired data transfer length' };
    r.nextDataSN++;
    this.place(d.bufferOffset, d.data);
    r.next += len;
    if (r.next >= r.end) this.open.delete(d.ttt);
    return { ok: true, complete: this.complete };
  }

  private place(offset: number, data: Buffer): void {
    if (data.length === 0) return;
    const buf = this.buf!;
    // Already in place when the framer copied it there (destinationFor).
    if (data.buffer !== buf.buffer || data.byteOffset !== buf.byteOffset + offset) data.copy(buf, offset);
    this.receivedBytes += data.length;
  }
}
