/**
 * Parsers for SCSI parameter data the host side reads: standard INQUIRY (SPC-4 §6.6.2),
 * Device Identification VPD page 83h (§7.8.6), READ CAPACITY (16) (SBC-4 §5.20.2),
 * REPORT LUNS (SPC-4 §6.33), REPORT TARGET PORT GROUPS (§6.36.2, format 0), PERSISTENT
 * RESERVE IN READ KEYS / READ RESERVATION (§6.15.2/§6.15.3). Lenient: short data yields
 * what is present, never throws.
 */
import { decodeLun } from '../../lib/lun.js';
import type { AluaStateName } from './scsi-cdb.js';

export interface StandardInquiry {
  peripheralQualifier: number;
  peripheralType: number;
  /** TPGS field: 1 implicit, 2 explicit, 3 both ALUA. */
  tpgs: number;
  vendor: string;
  product: string;
  revision: string;
}

const ascii = (b: Buffer, s: number, e: number): string => b.toString('latin1', s, Math.min(e, b.length)).trim();

export function parseStandardInquiry(d: Buffer): StandardInquiry {
  return {
    peripheralQualifier: (d[0] ?? 0) >>> 5,
    peripheralType: (d[0] ?? 0x1f) & 0x1f,
    tpgs: ((d[5] ?? 0) >>> 4) & 3,
    vendor: ascii(d, 8, 16),
    product: ascii(d, 16, 32),
    revision: ascii(d, 32, 36),
  };
}

export interface DeviceIdentification {
  /** NAA designator of the logical unit, lower-case hex. */
  naa?: string;
  targetPortGroup?: number;
  relativeTargetPort?: number;
  /** SCSI name string of the target port (e.g. "iqn...,t,0x0001"). */
  targetPortName?: string;
  /** SCSI name string of the target device. */
  targetName?: string;
  /** T10 vendor ID designator of the logical unit. */
  t10?: string;
  designators: Array<{ association: number; type: number; codeSet: number; value: Buffer }>;
}

/** VPD page 83h. */
export function parseDeviceIdentification(page: Buffer): DeviceIdentification {
  const out: DeviceIdentification = { designators: [] };
  const end = Math.min(page.length, 4 + (page.length >= 4 ? page.readUInt16BE(2) : 0));
  for (let o = 4; o + 4 <= end; ) {
    const codeSet = page[o]! & 0x0f;
    const association = (page[o + 1]! >>> 4) & 3;
    const type = page[o + 1]! & 0x0f;
    const len = page[o + 3]!;
    const value = page.subarray(o + 4, Math.min(end, o + 4 + len));
    out.designators.push({ association, type, codeSet, value });
    if (association === 0 && type === 3 && out.naa === undefined) out.naa = value.toString('hex');
    if (association === 0 && type === 1 && out.t10 === undefined) out.t10 = value.toString('latin1').replace(/\0+$/, '').trim();
    if (association === 1 && type === 4 && value.length >= 4) out.relativeTargetPort = value.readUInt16BE(2);
    if (association === 1 && type === 5 && value.length >= 4) out.targetPortGroup = value.readUInt16BE(2);
    if (type === 8) {
      const s = value.toString('utf8').replace(/\0+$/, '');
      if (association === 1) out.targetPortName = s;
      else if (association === 2) out.targetName = s;
    }
    o += 4 + len;
  }
  return out;
}

/** VPD page 80h: the PRODUCT SERIAL NUMBER. */
export function parseUnitSerial(page: Buffer): string {
  const len = page.length >= 4 ? page.readUInt16BE(2) : 0;
  return ascii(page, 4, 4 + len);
}

export interface Capacity16 {
  blockSize: number;
  blockCount: number;
  lbpme: boolean;
  lbprz: boolean;
}

export function parseCapacity16(d: Buffer): Capacity16 {
  if (d.length < 12) return { blockSize: 0, blockCount: 0, lbpme: false, lbprz: false };
  return {
    blockCount: Number(d.readBigUInt64BE(0)) + 1,
    blockSize: d.readUInt32BE(8),
    lbpme: ((d[14] ?? 0) & 0x80) !== 0,
    lbprz: ((d[14] ?? 0) & 0x40) !== 0,
  };
}

export function parseReportLuns(d: Buffer): number[] {
  if (d.length < 8) return [];
  const len = d.readUInt32BE(0);
  const out: number[] = [];
  for (let o = 8; o + 8 <= Math.min(d.length, 8 + len); o += 8) {
    const l = decodeLun(d, o);
    if (l >= 0) out.push(l);
  }
  return out;
}

export type AluaStateLabel = Exclude<AluaStateName, 'lba-dependent'> | 'lba-dependent';

const STATE_BY_CODE: Readonly<Record<number, AluaStateLabel>> = {
  0x0: 'active-optimized', 0x1: 'active-non-optimized', 0x2: 'standby', 0x3: 'unavailable',
  0x4: 'lba-dependent', 0xe: 'offline', 0xf: 'transitioning',
};

export interface TargetPortGroupDescriptor {
  id: number;
  state: AluaStateLabel;
  pref: boolean;
  /** Supported states bits (T_SUP O_SUP LBD_SUP U_SUP S_SUP AN_SUP AO_SUP). */
  supported: number;
  statusCode: number;
  ports: number[];
}

export function parseReportTargetPortGroups(d: Buffer): { groups: TargetPortGroupDescriptor[] } {
  const groups: TargetPortGroupDescriptor[] = [];
  if (d.length < 4) return { groups };
  const end = Math.min(d.length, 4 + d.readUInt32BE(0));
  for (let o = 4; o + 8 <= end; ) {
    const count = d[o + 7]!;
    const ports: number[] = [];
    for (let i = 0; i < count && o + 8 + 4 * i + 4 <= end; i++) ports.push(d.readUInt16BE(o + 8 + 4 * i + 2));
    groups.push({
      id: d.readUInt16BE(o + 2),
      state: STATE_BY_CODE[d[o]! & 0x0f] ?? 'unavailable',
      pref: (d[o]! & 0x80) !== 0,
      supported: d[o + 1]!,
      statusCode: d[o + 5]!,
      ports,
    });
    o += 8 + 4 * count;
  }
  return { groups };
}

export interface PrInResult {
  generation: number;
  /** READ KEYS: the registered keys. */
  keys?: bigint[];
  /** READ RESERVATION: the reservation, when one exists. */
  reservation?: { key: bigint; scope: number; type: number };
  data: Buffer;
}

export function parsePersistentReserveIn(serviceAction: number, d: Buffer): PrInResult {
  if (d.length < 8) return { generation: 0, data: d };
  const generation = d.readUInt32BE(0);
  const len = d.readUInt32BE(4);
  const end = Math.min(d.length, 8 + len);
  const out: PrInResult = { generation, data: d };
  if (serviceAction === 0) {
    out.keys = [];
    for (let o = 8; o + 8 <= end; o += 8) out.keys.push(d.readBigUInt64BE(o));
  } else if (serviceAction === 1 && len >= 16 && end >= 24) {
    out.reservation = { key: d.readBigUInt64BE(8), scope: d[21]! >>> 4, type: d[21]! & 0x0f };
  }
  return out;
}
