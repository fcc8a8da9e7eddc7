/**
 * PERSISTENT RESERVE IN (SPC-4 §6.15): READ KEYS (§6.15.2), READ RESERVATION (§6.15.3),
 * REPORT CAPABILITIES (§6.15.4), READ FULL STATUS (§6.15.5). Data is truncated to the
 * ALLOCATION LENGTH while the length fields keep the full size, so an initiator can
 * learn how much to ask for.
 */
import type { CommandContext } from '../command-context.js';
import { core, type CoreLu } from '../core-context.js';
import type { ScsiResponse } from '../types.js';
import { cdbByte, cdbU16, dataIn, invalidCdb } from '../spc/util.js';
import { PrInAction } from '../wire/index.js';
import { isAllRegistrants, isHolder, PrType, regMatches, type PrStateJson } from './pr-state.js';

function header(s: PrStateJson, addl: number): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32BE(s.generation >>> 0, 0);
  h.writeUInt32BE(addl, 4);
  return h;
}

export function readKeys(s: PrStateJson): Buffer {
  const keys = s.registrations.map((r) => Buffer.from(r.key, 'hex'));
  return Buffer.concat([header(s, keys.length * 8), ...keys]);
}

export function readReservation(s: PrStateJson): Buffer {
  const res = s.reservation;
  if (!res) return header(s, 0);
  const d = Buffer.alloc(16);
  // SPC-4 §6.15.3.2: for an all-registrants reservation "the RESERVATION KEY field shall be set to zero".
  if (!isAllRegistrants(res.type)) {
    const holder = s.registrations.find((r) => regMatches(r, res.holder));
    if (holder) Buffer.from(holder.key, 'hex').copy(d, 0);
  }
  d[13] = res.type & 0x0f; // SCOPE 0h (LU_SCOPE) | TYPE
  return Buffer.concat([header(s, 16), d]);
}

export function reportCapabilities(s: PrStateJson): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16BE(8, 0);
  b[2] = 0x10 | 0x08 | 0x04 | 0x01; // CRH, SIP_C, ATP_C, PTPL_C
  b[3] = 0x80 | (0x1 << 4) | (s.aptpl ? 0x01 : 0x00); // TMV, ALLOW COMMANDS=001b, PTPL_A
  // PERSISTENT RESERVATION TYPE MASK (SPC-4 Table 180)
  b[4] = 0x80 | 0x40 | 0x20 | 0x08 | 0x02; // WR_EX_AR, EX_AC_RO, WR_EX_RO, EX_AC, WR_EX
  b[5] = 0x01; // EX_AC_AR
  return b;
}

export function readFullStatus(s: PrStateJson): Buffer {
  const descs = s.registrations.map((r) => {
    const tid = Buffer.from(r.transportId, 'hex');
    const d = Buffer.alloc(24);
    Buffer.from(r.key, 'hex').copy(d, 0);
    const holder = s.reservation !== null && isHolder(s, r);
    d[12] = (r.allTgPt ? 0x02 : 0) | (holder ? 0x01 : 0);
    if (holder) d[13] = s.reservation!.type & 0x0f;
    d.writeUInt16BE(r.relativeTargetPortId & 0xffff, 18);
    d.writeUInt32BE(tid.length, 20);
    return Buffer.concat([d, tid]);
  });
  const body = Buffer.concat(descs);
  return Buffer.concat([header(s, body.length), body]);
}

export function persistentReserveIn(ctx: CommandContext<CoreLu>): ScsiResponse {
  const c = core(ctx);
  const cdb = c.cmd.cdb;
  const alloc = cdbU16(cdb, 7);
  const s = c.lu.prState;
  switch (cdbByte(cdb, 1) & 0x1f) {
    case PrInAction.ReadKeys:
      return dataIn(readKeys(s), alloc);
    case PrInAction.ReadReservation:
      return dataIn(readReservation(s), alloc);
    case PrInAction.ReportCapabilities:
      return dataIn(reportCapabilities(s), alloc);
    case PrInAction.ReadFullStatus:
      return dataIn(readFullStatus(s), alloc);
    default:
      return invalidCdb(1, 4);
  }
}

export { PrType };
