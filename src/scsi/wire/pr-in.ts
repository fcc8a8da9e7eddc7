/**
 * PERSISTENT RESERVE IN parameter data (SPC-4 §6.15), every service action:
 *  - READ KEYS (§6.15.2): PRGENERATION 0–3, ADDITIONAL LENGTH 4–7, 8-byte keys
 *  - READ RESERVATION (§6.15.3): header as above; with ADDITIONAL LENGTH 16 the
 *    RESERVATION KEY 8–15 and SCOPE/TYPE in byte 21
 *  - REPORT CAPABILITIES (§6.15.4): LENGTH 0–1; byte 2 RLR_C bit 7, CRH bit 4, SIP_C
 *    bit 3, ATP_C bit 2, PTPL_C bit 0; byte 3 TMV bit 7, ALLOW COMMANDS bits 6:4, PTPL_A
 *    bit 0; PERSISTENT RESERVATION TYPE MASK 4–5 (no PRGENERATION: reported as 0)
 *  - READ FULL STATUS (§6.15.5): header as above, then full status descriptors: key 0–7,
 *    ALL_TG_PT byte 12 bit 1, R_HOLDER bit 0, SCOPE/TYPE byte 13, RELATIVE TARGET PORT
 *    IDENTIFIER 18–19, ADDITIONAL DESCRIPTOR LENGTH 20–23, TransportID from byte 24
 * Data truncated by the ALLOCATION LENGTH yields the entries that are whole; never throws.
 */
import { PrInAction } from './cdb-spc.js';

export interface PrReservation {
  key: bigint;
  scope: number;
  type: number;
}

export interface PrCapabilities {
  /** Replace lost reservation capable. */
  rlrC: boolean;
  /** Compatible reservation handling (RESERVE/RELEASE (6) vs registrations). */
  crh: boolean;
  sipC: boolean;
  atpC: boolean;
  ptplC: boolean;
  /** ALLOW COMMANDS and PERSISTENT RESERVATION TYPE MASK are valid. */
  tmv: boolean;
  allowCommands: number;
  ptplA: boolean;
  /** PR TYPE codes (SPC-4 §6.16.2 Table 180) the type mask lists, ascending. */
  types: number[];
}

export interface PrFullStatus {
  key: bigint;
  allTgPt: boolean;
  holder: boolean;
  scope: number;
  type: number;
  relativeTargetPortId: number;
  transportId: Buffer;
}

export interface PrInResult {
  generation: number;
  /** READ KEYS: the registered keys. */
  keys?: bigint[];
  /** READ RESERVATION: the reservation, when one exists. */
  reservation?: PrReservation;
  /** REPORT CAPABILITIES. */
  capabilities?: PrCapabilities;
  /** READ FULL STATUS: one entry per registered I_T nexus. */
  registrations?: PrFullStatus[];
  data: Buffer;
}

/** Bit of the 16-bit PERSISTENT RESERVATION TYPE MASK → PR TYPE code. */
const TYPE_MASK_BITS: ReadonlyArray<readonly [number, number]> = [
  [0x0200, 0x1], // WR_EX
  [0x0800, 0x3], // EX_AC
  [0x2000, 0x5], // WR_EX_RO
  [0x4000, 0x6], // EX_AC_RO
  [0x8000, 0x7], // WR_EX_AR
  [0x0001, 0x8], // EX_AC_AR
];

function capabilities(d: Buffer): PrCapabilities {
  const b2 = d[2] ?? 0;
  const b3 = d[3] ?? 0;
  const mask = d.length >= 6 ? d.readUInt16BE(4) : 0;
  return {
    rlrC: (b2 & 0x80) !== 0, crh: (b2 & 0x10) !== 0, sipC: (b2 & 0x08) !== 0, atpC: (b2 & 0x04) !== 0, ptplC: (b2 & 0x01) !== 0,
    tmv: (b3 & 0x80) !== 0, allowCommands: (b3 >>> 4) & 0x7, ptplA: (b3 & 0x01) !== 0,
    types: TYPE_MASK_BITS.filter(([bit]) => (mask & bit) !== 0).map(([, type]) => type),
  };
}

function fullStatus(d: Buffer, end: number): PrFullStatus[] {
  const out: PrFullStatus[] = [];
  for (let o = 8; o + 24 <= end; ) {
    const tidLen = d.readUInt32BE(o + 20);
    out.push({
      key: d.readBigUInt64BE(o),
      allTgPt: (d[o + 12]! & 0x02) !== 0,
      holder: (d[o + 12]! & 0x01) !== 0,
      scope: d[o + 13]! >>> 4,
      type: d[o + 13]! & 0x0f,
      relativeTargetPortId: d.readUInt16BE(o + 18),
      transportId: d.subarray(o + 24, Math.min(end, o + 24 + tidLen)),
    });
    o += 24 + tidLen;
  }
  return out;
}

export function parsePersistentReserveIn(serviceAction: number, d: Buffer): PrInResult {
  if (serviceAction === PrInAction.ReportCapabilities) return d.length < 4 ? { generation: 0, data: d } : { generation: 0, capabilities: capabilities(d), data: d };
  if (d.length < 8) return { generation: 0, data: d };
  const len = d.readUInt32BE(4);
  const end = Math.min(d.length, 8 + len);
  const out: PrInResult = { generation: d.readUInt32BE(0), data: d };
  if (serviceAction === PrInAction.ReadKeys) {
    out.keys = [];
    for (let o = 8; o + 8 <= end; o += 8) out.keys.push(d.readBigUInt64BE(o));
  } else if (serviceAction === PrInAction.ReadReservation && len >= 16 && end >= 24) {
    out.reservation = { key: d.readBigUInt64BE(8), scope: d[21]! >>> 4, type: d[21]! & 0x0f };
  } else if (serviceAction === PrInAction.ReadFullStatus) {
    out.registrations = fullStatus(d, end);
  }
  return out;
}
