/**
 * Sense data decoding (SPC-4 §4.5 "Sense data"):
 *  - fixed format, response codes 70h/71h (§4.5.3): SENSE KEY byte 2 bits 3:0,
 *    INFORMATION bytes 3–6 valid when VALID (byte 0 bit 7) is set, ASC byte 12, ASCQ 13;
 *  - descriptor format, 72h/73h (§4.5.2): SENSE KEY byte 1, ASC byte 2, ASCQ byte 3,
 *    descriptors from byte 8 within ADDITIONAL SENSE LENGTH (byte 7); the Information
 *    descriptor (§4.5.2.2) is type 00h with VALID in bit 7 of its byte 2 and an 8-byte
 *    INFORMATION from its byte 4.
 * Any other response code (7Fh vendor specific, reserved codes) is read at the fixed
 * format offsets, best effort, and says so in the description. Never throws.
 */
import { ASC_NAMES } from './asc-names.js';
import { readU64 } from './bytes.js';

/** Decoded sense data, fixed or descriptor format. */
export interface DecodedSense {
  key: number;
  asc: number;
  ascq: number;
  /** INFORMATION field when VALID is set. */
  information?: number;
  /** A short name such as "UNIT ATTENTION: ASYMMETRIC ACCESS STATE CHANGED". */
  description: string;
}

/** SENSE KEY names (SPC-4 §4.5.6 Table 48). */
export const SENSE_KEY_NAMES = [
  'NO SENSE', 'RECOVERED ERROR', 'NOT READY', 'MEDIUM ERROR', 'HARDWARE ERROR', 'ILLEGAL REQUEST',
  'UNIT ATTENTION', 'DATA PROTECT', 'BLANK CHECK', 'VENDOR SPECIFIC', 'COPY ABORTED', 'ABORTED COMMAND',
  'RESERVED', 'VOLUME OVERFLOW', 'MISCOMPARE', 'COMPLETED',
] as const;

const hex2 = (x: number): string => x.toString(16).padStart(2, '0').toUpperCase();

export function ascName(asc: number, ascq: number): string {
  return ASC_NAMES.get((asc << 8) | ascq) ?? `ASC ${hex2(asc)}h ASCQ ${hex2(ascq)}h`;
}

type Fields = Omit<DecodedSense, 'description'>;

function fixed(s: Buffer): Fields {
  const f: Fields = { key: (s[2] ?? 0) & 0x0f, asc: s[12] ?? 0, ascq: s[13] ?? 0 };
  if (s.length >= 7 && (s[0]! & 0x80) !== 0) f.information = s.readUInt32BE(3);
  return f;
}

function descriptor(s: Buffer): Fields {
  const f: Fields = { key: (s[1] ?? 0) & 0x0f, asc: s[2] ?? 0, ascq: s[3] ?? 0 };
  const end = Math.min(s.length, 8 + (s[7] ?? 0));
  for (let o = 8; o + 2 <= end; o += 2 + s[o + 1]!) {
    if (s[o] === 0x00 && s[o + 1]! >= 0x0a && o + 12 <= end && (s[o + 2]! & 0x80) !== 0) f.information = readU64(s, o + 4);
  }
  return f;
}

const FORMATS: Readonly<Record<number, (s: Buffer) => Fields>> = { 0x70: fixed, 0x71: fixed, 0x72: descriptor, 0x73: descriptor };

export function decodeSense(sense: Buffer): DecodedSense {
  if (sense.length < 1) return { key: 0, asc: 0, ascq: 0, description: 'NO SENSE: empty sense data' };
  const code = sense[0]! & 0x7f;
  const format = FORMATS[code];
  const f = (format ?? fixed)(sense);
  const name = `${SENSE_KEY_NAMES[f.key]}: ${ascName(f.asc, f.ascq)}`;
  return { ...f, description: format ? name : `${name} (unknown sense response code 0x${code.toString(16)}, read as fixed format)` };
}
