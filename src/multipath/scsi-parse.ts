/**
 * Pure parsers for the Data-In of the commands in cdb.ts, and a sense decoder.
 *  - standard INQUIRY data: SPC-4 §6.6.2 (TPGS in byte 5 bits 5:4)
 *  - Unit Serial Number VPD (80h): SPC-4 §7.8.15
 *  - Device Identification VPD (83h): SPC-4 §7.8.6 (NAA type 3, relative target port
 *    type 4, target port group type 5 — the last two with ASSOCIATION 01b, target port)
 *  - READ CAPACITY(16) data: SBC-3 §5.16.2 (LBPME byte 14 bit 7, LBPRZ bit 6)
 *  - REPORT TARGET PORT GROUPS data: SPC-4 §6.37 (length-only or extended header)
 *  - GET LBA STATUS data: SBC-3 §5.5.2
 *  - sense data, fixed (70h/71h) and descriptor (72h/73h): SPC-4 §4.5
 * Short or malformed data never throws: fields that are not present come back undefined.
 */
import type { DecodedSense } from '../iscsi/initiator/types.js';

export type AluaState = 'active-optimized' | 'active-non-optimized' | 'standby' | 'unavailable' | 'transitioning' | 'offline';

export interface StandardInquiry {
  /** 0: LU connected; 1: supported but not connected; 3: no LU at this LUN (SPC-4 §6.6.2). */
  peripheralQualifier: number;
  peripheralDeviceType: number;
  /** 0: no ALUA; bit 0 implicit; bit 1 explicit (SET TARGET PORT GROUPS). */
  tpgs: number;
  vendor: string;
  product: string;
  revision: string;
}

export function parseStandardInquiry(d: Buffer): StandardInquiry {
  const ascii = (a: number, b: number): string => d.subarray(a, Math.min(b, d.length)).toString('latin1').trim();
  return {
    peripheralQualifier: ((d[0] ?? 0x7f) >> 5) & 0x7,
    peripheralDeviceType: (d[0] ?? 0x1f) & 0x1f,
    tpgs: ((d[5] ?? 0) >> 4) & 0x3,
    vendor: ascii(8, 16),
    product: ascii(16, 32),
    revision: ascii(32, 36),
  };
}

export function parseUnitSerial(d: Buffer): string | undefined {
  if (d.length < 4 || d[1] !== 0x80) return undefined;
  const len = d.readUInt16BE(2);
  const s = d.subarray(4, Math.min(d.length, 4 + len)).toString('latin1').replace(/\0+$/, '').trim();
  return s.length > 0 ? s : undefined;
}

export interface DeviceIdentification {
  /** Hex of the NAA designator with LU association (e.g. "6001405..."). */
  naa?: string;
  targetPortGroup?: number;
  relativeTargetPort?: number;
  targetPortName?: string;
}

export function parseDeviceIdentification(d: Buffer): DeviceIdentification {
  const out: DeviceIdentification = {};
  if (d.length < 4 || d[1] !== 0x83) return out;
  const end = Math.min(d.length, 4 + d.readUInt16BE(2));
  let off = 4;
  while (off + 4 <= end) {
    const codeSet = d[off]! & 0x0f;
    const assoc = (d[off + 1]! >> 4) & 0x3;
    const type = d[off + 1]! & 0x0f;
    const len = d[off + 3]!;
    const v = d.subarray(off + 4, Math.min(end, off + 4 + len));
    if (type === 3 && assoc === 0 && codeSet === 1 && out.naa === undefined) out.naa = v.toString('hex');
    else if (type === 4 && assoc === 1 && v.length >= 4) out.relativeTargetPort = v.readUInt16BE(2);
    else if (type === 5 && assoc === 1 && v.length >= 4) out.targetPortGroup = v.readUInt16BE(2);
    else if (type === 8 && assoc === 1) out.targetPortName = v.toString('utf8').replace(/\0+$/, '');
    off += 4 + len;
  }
  return out;
}

export interface Capacity {
  blockSize: number;
  blockCount: number;
  /** Logical block provisioning management enabled (thin). */
  lbpme: boolean;
  /** Unmapped blocks read as zeros. */
  lbprz: boolean;
}

export function parseReadCapacity16(d: Buffer): Capacity | undefined {
  if (d.length < 32) return undefined;
  const lastLba = d.readUInt32BE(0) * 0x1_0000_0000 + d.readUInt32BE(4);
  return { blockCount: lastLba + 1, blockSize: d.readUInt32BE(8), lbpme: (d[14]! & 0x80) !== 0, lbprz: (d[14]! & 0x40) !== 0 };
}

export interface TargetPortGroupInfo {
  id: number;
  state: AluaState;
  pref: boolean;
  /** Relative target port identifiers in the group. */
  ports: number[];
}

const STATE_BY_CODE: Record<number, AluaState> = {
  0x0: 'active-optimized',
  0x1: 'active-non-optimized',
  0x2: 'standby',
  0x3: 'unavailable',
  0xe: 'offline',
  0xf: 'transitioning',
};

export function parseReportTargetPortGroups(d: Buffer): TargetPortGroupInfo[] {
  if (d.length < 4) return [];
  const extended = d.length >= 8 && (d[4]! & 0x70) === 0x10;
  const end = Math.min(d.length, 4 + d.readUInt32BE(0));
  const groups: TargetPortGroupInfo[] = [];
  let off = extended ? 8 : 4;
  while (off + 8 <= end) {
    const count = d[off + 7]!;
    const ports: number[] = [];
    for (let i = 0; i < count && off + 8 + 4 * i + 4 <= end; i++) ports.push(d.readUInt16BE(off + 8 + 4 * i + 2));
    groups.push({ id: d.readUInt16BE(off + 2), state: STATE_BY_CODE[d[off]! & 0x0f] ?? 'unavailable', pref: (d[off]! & 0x80) !== 0, ports });
    off += 8 + 4 * count;
  }
  return groups;
}

export interface LbaStatusDescriptor {
  lba: number;
  blocks: number;
  /** 0 mapped, 1 deallocated, 2 anchored. */
  provisioning: number;
}

export function parseGetLbaStatus(d: Buffer): LbaStatusDescriptor[] {
  if (d.length < 8) return [];
  const end = Math.min(d.length, 4 + d.readUInt32BE(0));
  const out: LbaStatusDescriptor[] = [];
  for (let off = 8; off + 16 <= end; off += 16) {
    out.push({ lba: d.readUInt32BE(off) * 0x1_0000_0000 + d.readUInt32BE(off + 4), blocks: d.readUInt32BE(off + 8), provisioning: d[off + 12]! & 0x0f });
  }
  return out;
}

const KEY_NAMES = ['NO SENSE', 'RECOVERED ERROR', 'NOT READY', 'MEDIUM ERROR', 'HARDWARE ERROR', 'ILLEGAL REQUEST', 'UNIT ATTENTION', 'DATA PROTECT', 'BLANK CHECK', 'VENDOR SPECIFIC', 'COPY ABORTED', 'ABORTED COMMAND', 'RESERVED', 'VOLUME OVERFLOW', 'MISCOMPARE', 'COMPLETED'];

const ASC_NAMES: Record<string, string> = {
  '04/0a': 'ASYMMETRIC ACCESS STATE TRANSITION',
  '04/0b': 'TARGET PORT IN STANDBY STATE',
  '04/0c': 'TARGET PORT IN UNAVAILABLE STATE',
  '29/00': 'POWER ON, RESET, OR BUS DEVICE RESET OCCURRED',
  '2a/06': 'ASYMMETRIC ACCESS STATE CHANGED',
  '2a/09': 'CAPACITY DATA HAS CHANGED',
  '3f/0e': 'REPORTED LUNS DATA HAS CHANGED',
  '11/00': 'UNRECOVERED READ ERROR',
  '21/00': 'LOGICAL BLOCK ADDRESS OUT OF RANGE',
  '20/00': 'INVALID COMMAND OPERATION CODE',
  '24/00': 'INVALID FIELD IN CDB',
  '27/07': 'SPACE ALLOCATION FAILED WRITE PROTECT',
};

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/** Decode fixed or descriptor sense data (SPC-4 §4.5.2, §4.5.3). */
export function decodeSense(s: Buffer): DecodedSense {
  const code = (s[0] ?? 0) & 0x7f;
  let key: number;
  let asc: number;
  let ascq: number;
  let information: number | undefined;
  if (code === 0x72 || code === 0x73) {
    key = (s[1] ?? 0) & 0x0f;
    asc = s[2] ?? 0;
    ascq = s[3] ?? 0;
    for (let off = 8; off + 2 <= s.length; off += 2 + s[off + 1]!) {
      if (s[off] === 0x00 && off + 12 <= s.length && (s[off + 2]! & 0x80) !== 0) information = s.readUInt32BE(off + 4) * 0x1_0000_0000 + s.readUInt32BE(off + 8);
    }
  } else {
    key = (s[2] ?? 0) & 0x0f;
    asc = s[12] ?? 0;
    ascq = s[13] ?? 0;
    if ((s[0]! & 0x80) !== 0 && s.length >= 7) information = s.readUInt32BE(3);
  }
  const ascName = ASC_NAMES[`${hex2(asc)}/${hex2(ascq)}`] ?? `ASC ${hex2(asc)}h ASCQ ${hex2(ascq)}h`;
  const d: DecodedSense = { key, asc, ascq, description: `${KEY_NAMES[key]}: ${ascName}` };
  if (information !== undefined) d.information = information;
  return d;
}
