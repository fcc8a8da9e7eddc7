/**
 * Planning of write data, RFC 7143 §4.2.5.1 ("Unsolicited Data"), §11.3.4, §11.7, §11.8
 * (R2T), §13.10-§13.14:
 *  - ImmediateData=Yes: data may ride in the SCSI Command PDU, at most
 *    min(FirstBurstLength, MaxRecvDataSegmentLength of the target).
 *  - InitialR2T=No: unsolicited Data-Out (TTT 0xffffffff) follows up to FirstBurstLength
 *    in total ("The initiator MUST NOT send unsolicited data ... exceeding FirstBurstLength").
 *  - each Data-Out carries at most the target's MaxRecvDataSegmentLength; DataSN starts at
 *    0 per sequence (per R2T, and for the unsolicited sequence); the last PDU of a sequence
 *    has F=1; the F bit of the Command is set when no unsolicited Data-Out follows.
 *  - an R2T asks for [BufferOffset, BufferOffset + DesiredDataTransferLength).
 * Pure; slices are offsets into the caller's buffer (no copies).
 */

export interface WriteParams {
  immediateData: boolean;
  initialR2T: boolean;
  firstBurstLength: number;
  /** The target's MaxRecvDataSegmentLength: the most we may put in one PDU. */
  peerMaxRecvDataSegmentLength: number;
}

export interface DataOutSlice {
  offset: number;
  length: number;
  dataSN: number;
  final: boolean;
}

export interface UnsolicitedPlan {
  /** Bytes sent as immediate data in the SCSI Command PDU (from offset 0). */
  immediate: number;
  /** Unsolicited Data-Out PDUs (TTT 0xffffffff). */
  unsolicited: DataOutSlice[];
  /** F bit of the SCSI Command PDU. */
  commandFinal: boolean;
}

export function planUnsolicited(total: number, p: WriteParams): UnsolicitedPlan {
  const burst = Math.min(total, p.firstBurstLength);
  const immediate = p.immediateData ? Math.min(burst, p.peerMaxRecvDataSegmentLength) : 0;
  const unsolicited: DataOutSlice[] = [];
  if (!p.initialR2T && immediate < burst) unsolicited.push(...sliceSequence(immediate, burst - immediate, p.peerMaxRecvDataSegmentLength));
  return { immediate, unsolicited, commandFinal: unsolicited.length === 0 };
}

/** The Data-Out PDUs answering one R2T, clipped to the buffer we have. */
export function planR2T(bufferOffset: number, desired: number, total: number, peerMaxRecv: number): DataOutSlice[] {
  const end = Math.min(total, bufferOffset + desired);
  if (bufferOffset >= end) return [];
  return sliceSequence(bufferOffset, end - bufferOffset, peerMaxRecv);
}

/** Bytes the initiator sends without an R2T (immediate + unsolicited) for a write of `total`. */
export function unsolicitedBytes(total: number, p: WriteParams): number {
  const plan = planUnsolicited(total, p);
  return plan.immediate + plan.unsolicited.reduce((n, s) => n + s.length, 0);
}

function sliceSequence(offset: number, length: number, maxPdu: number): DataOutSlice[] {
  const out: DataOutSlice[] = [];
  const step = Math.max(1, maxPdu);
  let sn = 0;
  for (let o = 0; o < length; o += step) {
    const n = Math.min(step, length - o);
    out.push({ offset: offset + o, length: n, dataSN: sn++, final: o + n >= length });
  }
  return out;
}
