/**
 * INQUIRY data parsers:
 *  - standard INQUIRY data: SPC-4 §6.6.2 (PERIPHERAL QUALIFIER byte 0 bits 7:5, DEVICE
 *    TYPE bits 4:0, TPGS byte 5 bits 5:4, T10 VENDOR IDENTIFICATION 8–15, PRODUCT
 *    IDENTIFICATION 16–31, PRODUCT REVISION LEVEL 32–35)
 *  - Unit Serial Number VPD page (80h): SPC-4 §7.8.15
 *  - Device Identification VPD page (83h): SPC-4 §7.8.6 — every designation descriptor
 *    (CODE SET byte 0 bits 3:0, ASSOCIATION byte 1 bits 5:4, DESIGNATOR TYPE bits 3:0,
 *    DESIGNATOR LENGTH byte 3), plus the ones a host keys on: the NAA (type 3, binary) and
 *    T10 vendor ID (type 1) of the logical unit, and of the target port its relative
 *    target port (type 4), target port group (type 5) and SCSI name string (type 8).
 * Short or malformed data never throws: what is absent comes back undefined or empty.
 */
import { asciiField } from './bytes.js';

export interface StandardInquiry {
  /** 0: LU connected; 1: supported but not connected; 3: no LU at this LUN (also when the data is empty). */
  peripheralQualifier: number;
  peripheralDeviceType: number;
  /** 0: no ALUA; bit 0 implicit; bit 1 explicit (SET TARGET PORT GROUPS). */
  tpgs: number;
  vendor: string;
  product: string;
  revision: string;
}

export function parseStandardInquiry(d: Buffer): StandardInquiry {
  const b0 = d[0] ?? 0x7f;
  return {
    peripheralQualifier: b0 >>> 5,
    peripheralDeviceType: b0 & 0x1f,
    tpgs: ((d[5] ?? 0) >>> 4) & 0x3,
    vendor: asciiField(d, 8, 16),
    product: asciiField(d, 16, 32),
    revision: asciiField(d, 32, 36),
  };
}

/** The PRODUCT SERIAL NUMBER, or undefined when the page is not 80h or the serial is empty. */
export function parseUnitSerial(page: Buffer): string | undefined {
  if (page.length < 4 || page[1] !== 0x80) return undefined;
  const s = asciiField(page, 4, 4 + page.readUInt16BE(2));
  return s.length > 0 ? s : undefined;
}

export interface Designator {
  /** 0 logical unit, 1 target port, 2 target device. */
  association: number;
  type: number;
  /** 1 binary, 2 ASCII, 3 UTF-8. */
  codeSet: number;
  value: Buffer;
}

export interface DeviceIdentification {
  /** NAA designator of the logical unit, lower-case hex (e.g. "6001405..."). */
  naa?: string;
  /** T10 vendor ID designator of the logical unit. */
  t10?: string;
  targetPortGroup?: number;
  relativeTargetPort?: number;
  /** SCSI name string of the target port (e.g. "iqn...,t,0x0001"). */
  targetPortName?: string;
  /** SCSI name string of the target device. */
  targetName?: string;
  designators: Designator[];
}

const ASSOC_LU = 0;
const ASSOC_PORT = 1;
const ASSOC_DEVICE = 2;
const u16At2 = (v: Buffer): number | undefined => (v.length >= 4 ? v.readUInt16BE(2) : undefined);
const nameString = (v: Buffer): string => v.toString('utf8').replace(/\0+$/, '');

/** Designators a convenience field is taken from: [association, designator type, take]; the first of each kind wins. */
const PICKS: ReadonlyArray<readonly [number, number, (out: DeviceIdentification, d: Designator) => void]> = [
  [ASSOC_LU, 3, (o, d) => { if (d.codeSet === 1) o.naa ??= d.value.toString('hex'); }],
  [ASSOC_LU, 1, (o, d) => { o.t10 ??= asciiField(d.value, 0, d.value.length); }],
  [ASSOC_PORT, 4, (o, d) => { const v = u16At2(d.value); if (v !== undefined) o.relativeTargetPort ??= v; }],
  [ASSOC_PORT, 5, (o, d) => { const v = u16At2(d.value); if (v !== undefined) o.targetPortGroup ??= v; }],
  [ASSOC_PORT, 8, (o, d) => { o.targetPortName ??= nameString(d.value); }],
  [ASSOC_DEVICE, 8, (o, d) => { o.targetName ??= nameString(d.value); }],
];

/** VPD page 83h; a page with another page code yields no designators. */
export function parseDeviceIdentification(page: Buffer): DeviceIdentification {
  const out: DeviceIdentification = { designators: [] };
  if (page.length < 4 || page[1] !== 0x83) return out;
  const end = Math.min(page.length, 4 + page.readUInt16BE(2));
  for (let o = 4; o + 4 <= end; o += 4 + page[o + 3]!) {
    const d: Designator = {
      codeSet: page[o]! & 0x0f,
      association: (page[o + 1]! >>> 4) & 0x3,
      type: page[o + 1]! & 0x0f,
      value: page.subarray(o + 4, Math.min(end, o + 4 + page[o + 3]!)),
    };
    out.designators.push(d);
    for (const [assoc, type, take] of PICKS) if (d.association === assoc && d.type === type) take(out, d);
  }
  return out;
}
