/**
 * Planning Data-In PDUs and residuals, RFC 7143 §11.7 (SCSI Data-In) and §11.4.5
 * (Residuals).
 *
 * "The F bit ... for incoming data is 1 for the last input (read) data PDU of a sequence"
 * (§11.7.1); a sequence is at most MaxBurstLength bytes (§13.14); each PDU carries at most
 * the initiator's MaxRecvDataSegmentLength (§13.12).
 */

export interface DataInSlice {
  offset: number;
  length: number;
  /** F bit: last PDU of a MaxBurstLength sequence (or of the whole transfer). */
  final: boolean;
}

export function planDataIn(total: number, maxRecvDataSegmentLength: number, maxBurstLength: number): DataInSlice[] {
  const out: DataInSlice[] = [];
  const pduMax = Math.max(512, maxRecvDataSegmentLength);
  const burst = Math.max(pduMax, maxBurstLength);
  let seqStart = 0;
  while (seqStart < total) {
    const seqEnd = Math.min(total, seqStart + burst);
    let off = seqStart;
    while (off < seqEnd) {
      const len = Math.min(pduMax, seqEnd - off);
      out.push({ offset: off, length: len, final: off + len === seqEnd });
      off += len;
    }
    seqStart = seqEnd;
  }
  return out;
}

export interface Residual {
  overflow: boolean;
  underflow: boolean;
  residualCount: number;
}

export const NO_RESIDUAL: Residual = Object.freeze({ overflow: false, underflow: false, residualCount: 0 });

/**
 * §11.4.5.1: "bit 5 - (O) set for Residual Overflow. In this case, the Residual Count
 * indicates the number of bytes that were not transferred because the initiator's Expected
 * Data Transfer Length was not sufficient. ... bit 6 - (U) set for Residual Underflow. In
 * this case, the Residual Count indicates the number of bytes not transferred out of the
 * number of bytes expected to be transferred."
 *
 * `wanted` is what the command would move (ScsiResponse.transferLength, or the Data-In the
 * core produced when it did not say).
 */
export function computeResidual(edtl: number, wanted: number): Residual {
  if (wanted > edtl) return { overflow: true, underflow: false, residualCount: wanted - edtl };
  if (wanted < edtl) return { overflow: false, underflow: true, residualCount: edtl - wanted };
  return NO_RESIDUAL;
}

/**
 * The bytes to send for a read: Data-In truncated to EDTL, plus its residual. Overflow when
 * the command wanted more than EDTL; otherwise underflow by what was not sent.
 */
export function readOutcome(edtl: number, dataIn: Buffer | undefined, transferLength: number | undefined): { data: Buffer | undefined; residual: Residual } {
  const produced = dataIn ? dataIn.length : 0;
  const wanted = Math.max(transferLength ?? produced, produced);
  const data = dataIn && dataIn.length > edtl ? dataIn.subarray(0, edtl) : dataIn;
  if (wanted > edtl) return { data, residual: { overflow: true, underflow: false, residualCount: wanted - edtl } };
  return { data, residual: computeResidual(edtl, data ? data.length : 0) };
}
