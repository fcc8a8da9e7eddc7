/**
 * Builders for the SPC-4 commands a client sends; each returns the CDB with its data
 * direction and length (a CdbRequest). Pure byte layout:
 *  - TEST UNIT READY (00h)                          SPC-4 §6.47
 *  - INQUIRY (12h), standard data or an EVPD page   SPC-4 §6.6
 *  - REPORT LUNS (A0h)                              SPC-4 §6.33
 *  - REPORT TARGET PORT GROUPS (A3h/0Ah)            SPC-4 §6.37 (PARAMETER DATA FORMAT
 *    000b length-only header, 001b extended header)
 *  - SET TARGET PORT GROUPS (A4h/0Ah)               SPC-4 §6.45: 4 reserved bytes, then one
 *    4-byte descriptor per group (ASYMMETRIC ACCESS STATE byte 0, TARGET PORT GROUP 2–3)
 *  - PERSISTENT RESERVE IN (5Eh) / OUT (5Fh)        SPC-4 §6.15 / §6.16 (basic 24-byte
 *    PR OUT parameter list, §6.16.3)
 * Allocation lengths are clamped to what their field can hold.
 */
import { ALUA_STATE_CODE, STPG_REQUESTABLE, type ReportedAluaState } from './alua-state.js';
import { cdbOf, Opcode, ServiceAction, type CdbRequest } from './request.js';

export function testUnitReady(): CdbRequest {
  return { cdb: cdbOf(6, Opcode.TestUnitReady) };
}

/** Standard INQUIRY (`page` undefined) or the VPD page `page` (EVPD set). */
export function inquiry(page?: number, allocation = 255): CdbRequest {
  const cdb = cdbOf(6, Opcode.Inquiry);
  if (page !== undefined) {
    cdb[1] = 0x01;
    cdb[2] = page;
  }
  const alloc = Math.min(allocation, 0xffff);
  cdb.writeUInt16BE(alloc, 3);
  return { cdb, dataInLength: alloc };
}

/** SELECT REPORT 00h: every LUN but the well-known ones. */
export function reportLuns(allocation = 16384, selectReport = 0): CdbRequest {
  const cdb = cdbOf(12, Opcode.ReportLuns);
  cdb[2] = selectReport;
  cdb.writeUInt32BE(allocation, 6);
  return { cdb, dataInLength: allocation };
}

export function reportTargetPortGroups(allocation = 1024, format: 0 | 1 = 0): CdbRequest {
  const cdb = cdbOf(12, Opcode.MaintenanceIn);
  cdb[1] = (format << 5) | ServiceAction.TargetPortGroups;
  cdb.writeUInt32BE(allocation, 6);
  return { cdb, dataInLength: allocation };
}

/** Throws RangeError for a state that cannot be requested (transitioning, offline, LBA dependent). */
export function setTargetPortGroups(groups: ReadonlyArray<{ id: number; state: ReportedAluaState }>): CdbRequest {
  const param = Buffer.alloc(4 + 4 * groups.length);
  groups.forEach((g, i) => {
    if (!STPG_REQUESTABLE.has(g.state)) throw new RangeError(`STPG cannot request state ${g.state}`);
    param[4 + 4 * i] = ALUA_STATE_CODE[g.state];
    param.writeUInt16BE(g.id, 4 + 4 * i + 2);
  });
  const cdb = cdbOf(12, Opcode.MaintenanceOut);
  cdb[1] = ServiceAction.TargetPortGroups;
  cdb.writeUInt32BE(param.length, 6);
  return { cdb, dataOut: param };
}

/** PR IN service actions (SPC-4 §6.15.1 Table 167). */
export const PrInAction = { ReadKeys: 0x0, ReadReservation: 0x1, ReportCapabilities: 0x2, ReadFullStatus: 0x3 } as const;

export function persistentReserveIn(serviceAction: number, allocation = 8192): CdbRequest {
  const cdb = cdbOf(10, Opcode.PersistentReserveIn);
  cdb[1] = serviceAction & 0x1f;
  const alloc = Math.min(allocation, 0xffff);
  cdb.writeUInt16BE(alloc, 7);
  return { cdb, dataInLength: alloc };
}

export interface PrOutParams {
  key?: bigint;
  serviceActionKey?: bigint;
  type?: number;
  scope?: number;
  aptpl?: boolean;
  allTargetPorts?: boolean;
}

/** PR OUT with the basic parameter list: RESERVATION KEY, SERVICE ACTION RESERVATION KEY, ALL_TG_PT, APTPL. */
export function persistentReserveOut(serviceAction: number, p: PrOutParams): CdbRequest {
  const param = Buffer.alloc(24);
  param.writeBigUInt64BE(p.key ?? 0n, 0);
  param.writeBigUInt64BE(p.serviceActionKey ?? 0n, 8);
  param[20] = (p.allTargetPorts ? 0x04 : 0) | (p.aptpl ? 0x01 : 0);
  const cdb = cdbOf(10, Opcode.PersistentReserveOut);
  cdb[1] = serviceAction & 0x1f;
  cdb[2] = ((p.scope ?? 0) << 4) | ((p.type ?? 0) & 0x0f);
  cdb.writeUInt32BE(param.length, 5);
  return { cdb, dataOut: param };
}
