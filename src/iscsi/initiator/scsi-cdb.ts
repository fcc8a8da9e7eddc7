/**
 * CDB builders for the commands the host side sends: SPC-4 (INQUIRY §6.6, REPORT LUNS
 * §6.33, REPORT TARGET PORT GROUPS §6.36, SET TARGET PORT GROUPS §6.44, PERSISTENT
 * RESERVE IN/OUT §6.15/§6.16, TEST UNIT READY §6.47) and SBC-3/SBC-4 (READ/WRITE (10)/(16),
 * READ CAPACITY (16), SYNCHRONIZE CACHE (16), UNMAP, COMPARE AND WRITE, GET LBA STATUS).
 * Pure byte layout; LBAs are numbers (exact up to 2^53).
 */

function cdb(n: number, op: number): Buffer {
  const b = Buffer.alloc(n);
  b[0] = op;
  return b;
}
function u64(b: Buffer, off: number, v: number): void {
  b.writeBigUInt64BE(BigInt(v), off);
}

export const Op = {
  TestUnitReady: 0x00, Inquiry: 0x12, Read10: 0x28, Write10: 0x2a, Unmap: 0x42,
  PersistentReserveIn: 0x5e, PersistentReserveOut: 0x5f, Read16: 0x88, CompareAndWrite: 0x89,
  Write16: 0x8a, SynchronizeCache16: 0x91, ServiceActionIn16: 0x9e, ReportLuns: 0xa0,
  MaintenanceIn: 0xa3, MaintenanceOut: 0xa4,
} as const;

export function testUnitReadyCdb(): Buffer {
  return cdb(6, Op.TestUnitReady);
}

export function inquiryCdb(alloc: number, page?: number): Buffer {
  const b = cdb(6, Op.Inquiry);
  if (page !== undefined) {
    b[1] = 0x01; // EVPD
    b[2] = page;
  }
  b.writeUInt16BE(Math.min(alloc, 0xffff), 3);
  return b;
}

export function rw10Cdb(write: boolean, lba: number, blocks: number, fua = false): Buffer {
  const b = cdb(10, write ? Op.Write10 : Op.Read10);
  if (fua) b[1] = 0x08;
  b.writeUInt32BE(lba >>> 0, 2);
  b.writeUInt16BE(blocks, 7);
  return b;
}

export function rw16Cdb(write: boolean, lba: number, blocks: number, fua = false): Buffer {
  const b = cdb(16, write ? Op.Write16 : Op.Read16);
  if (fua) b[1] = 0x08;
  u64(b, 2, lba);
  b.writeUInt32BE(blocks >>> 0, 10);
  return b;
}

export function readCapacity16Cdb(alloc = 32): Buffer {
  const b = cdb(16, Op.ServiceActionIn16);
  b[1] = 0x10;
  b.writeUInt32BE(alloc, 10);
  return b;
}

/** GET LBA STATUS (SBC-4 §5.6): SERVICE ACTION IN (16) service action 12h. */
export function getLbaStatusCdb(lba: number, alloc: number): Buffer {
  const b = cdb(16, Op.ServiceActionIn16);
  b[1] = 0x12;
  u64(b, 2, lba);
  b.writeUInt32BE(alloc, 10);
  return b;
}

export function synchronizeCache16Cdb(lba = 0, blocks = 0): Buffer {
  const b = cdb(16, Op.SynchronizeCache16);
  u64(b, 2, lba);
  b.writeUInt32BE(blocks >>> 0, 10);
  return b;
}

export function compareAndWriteCdb(lba: number, blocks: number, fua = false): Buffer {
  const b = cdb(16, Op.CompareAndWrite);
  if (fua) b[1] = 0x08;
  u64(b, 2, lba);
  b[13] = blocks;
  return b;
}

/** UNMAP CDB and its parameter list (SBC-4 §5.28: 8-byte header, 16-byte block descriptors). */
export function unmapCdb(ranges: ReadonlyArray<{ lba: number; blocks: number }>): { cdb: Buffer; data: Buffer } {
  const data = Buffer.alloc(8 + 16 * ranges.length);
  data.writeUInt16BE(data.length - 2, 0);
  data.writeUInt16BE(16 * ranges.length, 2);
  ranges.forEach((r, i) => {
    u64(data, 8 + 16 * i, r.lba);
    data.writeUInt32BE(r.blocks >>> 0, 16 + 16 * i);
  });
  const b = cdb(10, Op.Unmap);
  b.writeUInt16BE(data.length, 7);
  return { cdb: b, data };
}

export function reportLunsCdb(alloc: number): Buffer {
  const b = cdb(12, Op.ReportLuns);
  b.writeUInt32BE(alloc, 6);
  return b;
}

export function reportTargetPortGroupsCdb(alloc: number): Buffer {
  const b = cdb(12, Op.MaintenanceIn);
  b[1] = 0x0a;
  b.writeUInt32BE(alloc, 6);
  return b;
}

/** ALUA state codes (SPC-4 §6.36.2 Table 166). */
export const AluaState = {
  'active-optimized': 0x0, 'active-non-optimized': 0x1, standby: 0x2, unavailable: 0x3,
  'lba-dependent': 0x4, offline: 0xe, transitioning: 0xf,
} as const;
export type AluaStateName = keyof typeof AluaState;

export function setTargetPortGroupsCdb(groups: ReadonlyArray<{ id: number; state: AluaStateName }>): { cdb: Buffer; data: Buffer } {
  const data = Buffer.alloc(4 + 4 * groups.length);
  groups.forEach((g, i) => {
    data[4 + 4 * i] = AluaState[g.state] & 0x0f;
    data.writeUInt16BE(g.id, 6 + 4 * i);
  });
  const b = cdb(12, Op.MaintenanceOut);
  b[1] = 0x0a;
  b.writeUInt32BE(data.length, 6);
  return { cdb: b, data };
}

export function persistentReserveInCdb(serviceAction: number, alloc: number): Buffer {
  const b = cdb(10, Op.PersistentReserveIn);
  b[1] = serviceAction & 0x1f;
  b.writeUInt16BE(Math.min(alloc, 0xffff), 7);
  return b;
}

export interface PrOutParams {
  key?: bigint;
  serviceActionKey?: bigint;
  type?: number;
  scope?: number;
  aptpl?: boolean;
  allTargetPorts?: boolean;
}

export function persistentReserveOutCdb(serviceAction: number, p: PrOutParams): { cdb: Buffer; data: Buffer } {
  const data = Buffer.alloc(24);
  data.writeBigUInt64BE(p.key ?? 0n, 0);
  data.writeBigUInt64BE(p.serviceActionKey ?? 0n, 8);
  data[20] = (p.allTargetPorts ? 0x04 : 0) | (p.aptpl ? 0x01 : 0);
  const b = cdb(10, Op.PersistentReserveOut);
  b[1] = serviceAction & 0x1f;
  b[2] = ((p.scope ?? 0) << 4) | ((p.type ?? 0) & 0x0f);
  b.writeUInt32BE(data.length, 5);
  return { cdb: b, data };
}
