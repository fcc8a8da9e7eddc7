/**
 * What one command outcome means to the multipath layer (compare the Linux
 * scsi_dh_alua check_sense / blk_path_error split between path errors and target errors).
 *
 *  transport-error              → 'path-failed': the nexus is gone or the command timed out
 *                                 (the initiator aborted it); try another path.
 *  NOT READY 04h/0Ah            → 'transitioning' (SPC-4 §5.16.2.6): retry after a short delay.
 *  NOT READY 04h/0Bh, 04h/0Ch   → 'standby' / 'unavailable': this port cannot do media
 *                                 access (SPC-4 §5.16.2.4.4, §5.16.2.4.5); use another path.
 *  other NOT READY              → 'path-failed' (the LU is not ready through this port).
 *  UNIT ATTENTION 2Ah/06h       → 'alua-changed': re-read REPORT TARGET PORT GROUPS.
 *  UNIT ATTENTION 2Ah/09h       → 'capacity-changed': re-read READ CAPACITY(16).
 *  other UNIT ATTENTION         → 'retry' (29h power on/reset, 3Fh/0Eh, 2Ah/xx …): the
 *                                 command was not executed; a UA is reported once per nexus.
 *  BUSY, TASK SET FULL, TASK ABORTED, ABORTED COMMAND → 'retry' after a delay.
 *  HARDWARE ERROR 08h (LU communication failure) → 'path-failed'.
 *  anything else (MEDIUM ERROR, ILLEGAL REQUEST, DATA PROTECT, MISCOMPARE, RESERVATION
 *  CONFLICT, other HARDWARE ERROR) → 'fatal': returned to the caller, never retried.
 * In every non-'good' case except 'path-failed' the device server did NOT execute the
 * command (CHECK CONDITION before execution / not accepted), so a re-issue is safe.
 */
import { decodeSense, ScsiStatus, type DecodedSense } from '../scsi/wire/index.js';
import type { ScsiOutcome } from './path-transport.js';

export type Verdict =
  | { kind: 'good'; data: Buffer }
  | { kind: 'path-failed'; reason: string }
  | { kind: 'transitioning'; sense: DecodedSense }
  | { kind: 'standby'; sense: DecodedSense }
  | { kind: 'unavailable'; sense: DecodedSense }
  | { kind: 'alua-changed'; sense: DecodedSense }
  | { kind: 'capacity-changed'; sense: DecodedSense }
  | { kind: 'retry'; reason: string; backoff: boolean }
  | { kind: 'fatal'; status: number; sense?: DecodedSense };

const KEY_NOT_READY = 0x2;
const KEY_HARDWARE_ERROR = 0x4;
const KEY_UNIT_ATTENTION = 0x6;
const KEY_ABORTED_COMMAND = 0xb;
const KEY_RECOVERED_ERROR = 0x1;
const KEY_NO_SENSE = 0x0;

export function classify(o: ScsiOutcome): Verdict {
  if (o.kind === 'transport-error') return { kind: 'path-failed', reason: o.error.message };
  switch (o.status) {
    case ScsiStatus.Good:
    case ScsiStatus.ConditionMet:
      return { kind: 'good', data: o.data };
    case ScsiStatus.Busy:
      return { kind: 'retry', reason: 'BUSY', backoff: true };
    case ScsiStatus.TaskSetFull:
      return { kind: 'retry', reason: 'TASK SET FULL', backoff: true };
    case ScsiStatus.TaskAborted:
      return { kind: 'retry', reason: 'TASK ABORTED', backoff: true };
    case ScsiStatus.CheckCondition:
      break;
    default:
      return { kind: 'fatal', status: o.status };
  }
  if (!o.sense || o.sense.length < 8) return { kind: 'retry', reason: 'CHECK CONDITION without sense data', backoff: true };
  const sense = decodeSense(o.sense);
  switch (sense.key) {
    case KEY_NOT_READY:
      if (sense.asc === 0x04 && sense.ascq === 0x0a) return { kind: 'transitioning', sense };
      if (sense.asc === 0x04 && sense.ascq === 0x0b) return { kind: 'standby', sense };
      if (sense.asc === 0x04 && sense.ascq === 0x0c) return { kind: 'unavailable', sense };
      return { kind: 'path-failed', reason: sense.description };
    case KEY_UNIT_ATTENTION:
      if (sense.asc === 0x2a && sense.ascq === 0x06) return { kind: 'alua-changed', sense };
      if (sense.asc === 0x2a && sense.ascq === 0x09) return { kind: 'capacity-changed', sense };
      return { kind: 'retry', reason: sense.description, backoff: false };
    case KEY_ABORTED_COMMAND:
      return { kind: 'retry', reason: sense.description, backoff: true };
    case KEY_HARDWARE_ERROR:
      if (sense.asc === 0x08) return { kind: 'path-failed', reason: sense.description };
      return { kind: 'fatal', status: o.status, sense };
    case KEY_RECOVERED_ERROR:
    case KEY_NO_SENSE:
      // CHECK CONDITION with RECOVERED ERROR / NO SENSE: the command completed.
      return { kind: 'good', data: o.data };
    default:
      return { kind: 'fatal', status: o.status, sense };
  }
}

/** errno-like code for a failed I/O, for the NBD layer (NBD_EIO, NBD_EINVAL, NBD_ENOSPC, NBD_EPERM). */
export type IoErrorCode = 'EIO' | 'EINVAL' | 'ENOSPC' | 'EPERM' | 'ENOTSUP';

/** The error a MultipathDevice rejects with. */
export class MultipathIoError extends Error {
  readonly code: IoErrorCode;
  readonly sense?: DecodedSense;
  readonly status?: number;
  constructor(code: IoErrorCode, message: string, detail: { sense?: DecodedSense; status?: number } = {}) {
    super(message);
    this.name = 'MultipathIoError';
    this.code = code;
    if (detail.sense) this.sense = detail.sense;
    if (detail.status !== undefined) this.status = detail.status;
  }
}

/** Map a fatal verdict to the caller's error. */
export function fatalError(v: Extract<Verdict, { kind: 'fatal' }>, what: string): MultipathIoError {
  const s = v.sense;
  let code: IoErrorCode = 'EIO';
  if (s?.key === 0x5) code = s.asc === 0x20 ? 'ENOTSUP' : 'EINVAL';
  else if (s?.key === 0x7) code = s.asc === 0x27 && s.ascq === 0x07 ? 'ENOSPC' : 'EPERM';
  const why = s ? s.description : v.status === ScsiStatus.ReservationConflict ? 'RESERVATION CONFLICT' : `status ${v.status.toString(16)}h`;
  const d: { sense?: DecodedSense; status?: number } = { status: v.status };
  if (s) d.sense = s;
  return new MultipathIoError(code, `${what} failed: ${why}`, d);
}
