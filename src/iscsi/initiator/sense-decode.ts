/**
 * Sense data decoding for the initiator, SPC-4 §4.5 ("Sense data"): response codes
 * 70h/71h fixed format (§4.5.3: key byte 2 bits 3..0, INFORMATION bytes 3..6 valid when
 * bit 7 of byte 0 is set, ASC byte 12, ASCQ byte 13) and 72h/73h descriptor format
 * (§4.5.2: key byte 1, ASC byte 2, ASCQ byte 3, descriptors from byte 8; the Information
 * descriptor is type 00h with VALID in bit 7 of its byte 2 and an 8-byte INFORMATION).
 * Names for ASC/ASCQ come from SPC-4 Annex D (only the common ones).
 */
import type { DecodedSense } from './types.js';

export const SENSE_KEY_NAMES = [
  'NO SENSE', 'RECOVERED ERROR', 'NOT READY', 'MEDIUM ERROR', 'HARDWARE ERROR', 'ILLEGAL REQUEST',
  'UNIT ATTENTION', 'DATA PROTECT', 'BLANK CHECK', 'VENDOR SPECIFIC', 'COPY ABORTED', 'ABORTED COMMAND',
  'RESERVED', 'VOLUME OVERFLOW', 'MISCOMPARE', 'COMPLETED',
] as const;

/** ASC/ASCQ → name, keyed by (asc << 8) | ascq. */
const ASC_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0000, 'NO ADDITIONAL SENSE INFORMATION'],
  [0x0400, 'LOGICAL UNIT NOT READY, CAUSE NOT REPORTABLE'],
  [0x0401, 'LOGICAL UNIT IS IN PROCESS OF BECOMING READY'],
  [0x0402, 'LOGICAL UNIT NOT READY, INITIALIZING COMMAND REQUIRED'],
  [0x0403, 'LOGICAL UNIT NOT READY, MANUAL INTERVENTION REQUIRED'],
  [0x040a, 'LOGICAL UNIT NOT ACCESSIBLE, ASYMMETRIC ACCESS STATE TRANSITION'],
  [0x040b, 'LOGICAL UNIT NOT ACCESSIBLE, TARGET PORT IN STANDBY STATE'],
  [0x040c, 'LOGICAL UNIT NOT ACCESSIBLE, TARGET PORT IN UNAVAILABLE STATE'],
  [0x0c00, 'WRITE ERROR'],
  [0x1100, 'UNRECOVERED READ ERROR'],
  [0x1a00, 'PARAMETER LIST LENGTH ERROR'],
  [0x1d00, 'MISCOMPARE DURING VERIFY OPERATION'],
  [0x2000, 'INVALID COMMAND OPERATION CODE'],
  [0x2100, 'LOGICAL BLOCK ADDRESS OUT OF RANGE'],
  [0x2400, 'INVALID FIELD IN CDB'],
  [0x2500, 'LOGICAL UNIT NOT SUPPORTED'],
  [0x2600, 'INVALID FIELD IN PARAMETER LIST'],
  [0x2604, 'INVALID RELEASE OF PERSISTENT RESERVATION'],
  [0x2700, 'WRITE PROTECTED'],
  [0x2800, 'NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED'],
  [0x2900, 'POWER ON, RESET, OR BUS DEVICE RESET OCCURRED'],
  [0x2901, 'POWER ON OCCURRED'],
  [0x2902, 'SCSI BUS RESET OCCURRED'],
  [0x2903, 'BUS DEVICE RESET FUNCTION OCCURRED'],
  [0x2904, 'DEVICE INTERNAL RESET'],
  [0x2907, 'I_T NEXUS LOSS OCCURRED'],
  [0x2a01, 'MODE PARAMETERS CHANGED'],
  [0x2a03, 'RESERVATIONS PREEMPTED'],
  [0x2a04, 'RESERVATIONS RELEASED'],
  [0x2a05, 'REGISTRATIONS PREEMPTED'],
  [0x2a06, 'ASYMMETRIC ACCESS STATE CHANGED'],
  [0x2a07, 'IMPLICIT ASYMMETRIC ACCESS STATE TRANSITION FAILED'],
  [0x2a09, 'CAPACITY DATA HAS CHANGED'],
  [0x2c00, 'COMMAND SEQUENCE ERROR'],
  [0x3a00, 'MEDIUM NOT PRESENT'],
  [0x3f03, 'INQUIRY DATA HAS CHANGED'],
  [0x3f0e, 'REPORTED LUNS DATA HAS CHANGED'],
  [0x4400, 'INTERNAL TARGET FAILURE'],
  [0x4700, 'SCSI PARITY ERROR'],
  [0x4b00, 'DATA PHASE ERROR'],
  [0x5504, 'INSUFFICIENT REGISTRATION RESOURCES'],
]);

export function ascName(asc: number, ascq: number): string {
  const n = ASC_NAMES.get((asc << 8) | ascq);
  if (n) return n;
  const h = (x: number): string => x.toString(16).padStart(2, '0').toUpperCase();
  return `ASC ${h(asc)}h ASCQ ${h(ascq)}h`;
}

export function decodeSense(sense: Buffer): DecodedSense {
  if (sense.length < 1) return { key: 0, asc: 0, ascq: 0, description: 'NO SENSE: empty sense data' };
  const code = sense[0]! & 0x7f;
  let key = 0;
  let asc = 0;
  let ascq = 0;
  let information: number | undefined;
  if (code === 0x72 || code === 0x73) {
    key = (sense[1] ?? 0) & 0x0f;
    asc = sense[2] ?? 0;
    ascq = sense[3] ?? 0;
    const addl = sense[7] ?? 0;
    const end = Math.min(sense.length, 8 + addl);
    for (let o = 8; o + 2 <= end; ) {
      const type = sense[o]!;
      const len = sense[o + 1]!;
      if (type === 0x00 && len >= 0x0a && o + 12 <= end && (sense[o + 2]! & 0x80) !== 0) {
        information = Number(sense.readBigUInt64BE(o + 4));
      }
      o += 2 + len;
    }
  } else if (code === 0x70 || code === 0x71) {
    key = (sense[2] ?? 0) & 0x0f;
    if (sense.length >= 7 && (sense[0]! & 0x80) !== 0) information = sense.readUInt32BE(3);
    asc = sense[12] ?? 0;
    ascq = sense[13] ?? 0;
  } else {
    return { key: 0, asc: 0, ascq: 0, description: `unknown sense response code 0x${code.toString(16)}` };
  }
  const out: DecodedSense = { key, asc, ascq, description: `${SENSE_KEY_NAMES[key]}: ${ascName(asc, ascq)}` };
  if (information !== undefined) out.information = information;
  return out;
}
