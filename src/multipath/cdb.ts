/**
 * The few CDBs the multipath layer sends itself, as pure builders returning a
 * ScsiRequest (CDB + data direction). No I/O here.
 *
 *  - TEST UNIT READY (00h)                      SPC-4 §6.47
 *  - INQUIRY (12h), standard data / EVPD page   SPC-4 §6.6
 *  - READ CAPACITY(16) (9Eh/10h)                SBC-3 §5.16
 *  - GET LBA STATUS (9Eh/12h)                   SBC-3 §5.5
 *  - READ(16) (88h), WRITE(16) (8Ah) with FUA   SBC-3 §5.11, §5.35
 *  - SYNCHRONIZE CACHE(16) (91h)                SBC-3 §5.23
 *  - UNMAP (42h)                                SBC-3 §5.28
 *  - REPORT TARGET PORT GROUPS (A3h/0Ah)        SPC-4 §6.37
 *  - SET TARGET PORT GROUPS (A4h/0Ah)           SPC-4 §6.42
 * LBAs are JS numbers: safe up to 2^53 blocks, far beyond any device we serve.
 */
import type { ScsiRequest } from './path-transport.js';
import type { AluaState } from './scsi-parse.js';

export const Opcode = {
  TestUnitReady: 0x00,
  Inquiry: 0x12,
  Unmap: 0x42,
  Read16: 0x88,
  Write16: 0x8a,
  SynchronizeCache16: 0x91,
  ServiceActionIn16: 0x9e,
  MaintenanceIn: 0xa3,
  MaintenanceOut: 0xa4,
} as const;

const SA_READ_CAPACITY_16 = 0x10;
const SA_GET_LBA_STATUS = 0x12;
const SA_TARGET_PORT_GROUPS = 0x0a;

function u64(b: Buffer, off: number, v: number): void {
  b.writeUInt32BE(Math.floor(v / 0x1_0000_0000) >>> 0, off);
  b.writeUInt32BE(v >>> 0, off + 4);
}

export function testUnitReady(): ScsiRequest {
  return { cdb: Buffer.alloc(6) };
}

/** Standard INQUIRY (evpd undefined) or a VPD page. */
export function inquiry(page?: number, allocation = 255): ScsiRequest {
  const cdb = Buffer.alloc(6);
  cdb[0] = Opcode.Inquiry;
  if (page !== undefined) {
    cdb[1] = 0x01;
    cdb[2] = page;
  }
  cdb.writeUInt16BE(allocation, 3);
  return { cdb, dataInLength: allocation };
}

export function readCapacity16(): ScsiRequest {
  const cdb = Buffer.alloc(16);
  cdb[0] = Opcode.ServiceActionIn16;
  cdb[1] = SA_READ_CAPACITY_16;
  cdb.writeUInt32BE(32, 10);
  return { cdb, dataInLength: 32 };
}

export function getLbaStatus(lba: number, allocation = 4096): ScsiRequest {
  const cdb = Buffer.alloc(16);
  cdb[0] = Opcode.ServiceActionIn16;
  cdb[1] = SA_GET_LBA_STATUS;
  u64(cdb, 2, lba);
  cdb.writeUInt32BE(allocation, 10);
  return { cdb, dataInLength: allocation };
}

export function read16(lba: number, blocks: number, blockSize: number): ScsiRequest {
  const cdb = Buffer.alloc(16);
  cdb[0] = Opcode.Read16;
  u64(cdb, 2, lba);
  cdb.writeUInt32BE(blocks, 10);
  return { cdb, dataInLength: blocks * blockSize };
}

/** WRITE(16); FUA is byte 1 bit 3 (SBC-3 §5.35). */
export function write16(lba: number, data: Buffer, blockSize: number, fua = false): ScsiRequest {
  const cdb = Buffer.alloc(16);
  cdb[0] = Opcode.Write16;
  if (fua) cdb[1] = 0x08;
  u64(cdb, 2, lba);
  cdb.writeUInt32BE(data.length / blockSize, 10);
  return { cdb, dataOut: data };
}

/** SYNCHRONIZE CACHE(16) of the whole LU: LBA 0, NUMBER OF LOGICAL BLOCKS 0 ("all remaining"). */
export function synchronizeCache16(): ScsiRequest {
  const cdb = Buffer.alloc(16);
  cdb[0] = Opcode.SynchronizeCache16;
  return { cdb };
}

/** UNMAP with one block descriptor per extent (each ≤ 2^32-1 blocks). */
export function unmap(extents: ReadonlyArray<{ lba: number; blocks: number }>): ScsiRequest {
  const param = Buffer.alloc(8 + 16 * extents.length);
  param.writeUInt16BE(6 + 16 * extents.length, 0);
  param.writeUInt16BE(16 * extents.length, 2);
  extents.forEach((e, i) => {
    u64(param, 8 + 16 * i, e.lba);
    param.writeUInt32BE(e.blocks, 8 + 16 * i + 8);
  });
  const cdb = Buffer.alloc(10);
  cdb[0] = Opcode.Unmap;
  cdb.writeUInt16BE(param.length, 7);
  return { cdb, dataOut: param };
}

export function reportTargetPortGroups(allocation = 1024): ScsiRequest {
  const cdb = Buffer.alloc(12);
  cdb[0] = Opcode.MaintenanceIn;
  cdb[1] = SA_TARGET_PORT_GROUPS; // PARAMETER DATA FORMAT 000b: length-only header
  cdb.writeUInt32BE(allocation, 6);
  return { cdb, dataInLength: allocation };
}

const STPG_STATE: Partial<Record<AluaState, number>> = {
  'active-optimized': 0x0,
  'active-non-optimized': 0x1,
  standby: 0x2,
  unavailable: 0x3,
};

/** SET TARGET PORT GROUPS: 4 reserved bytes, then one 4-byte descriptor per group (SPC-4 §6.42). */
export function setTargetPortGroups(groups: ReadonlyArray<{ id: number; state: AluaState }>): ScsiRequest {
  const param = Buffer.alloc(4 + 4 * groups.length);
  groups.forEach((g, i) => {
    const code = STPG_STATE[g.state];
    if (code === undefined) throw new RangeError(`STPG cannot request state ${g.state}`);
    param[4 + 4 * i] = code;
    param.writeUInt16BE(g.id, 4 + 4 * i + 2);
  });
  const cdb = Buffer.alloc(12);
  cdb[0] = Opcode.MaintenanceOut;
  cdb[1] = SA_TARGET_PORT_GROUPS;
  cdb.writeUInt32BE(param.length, 6);
  return { cdb, dataOut: param };
}

/** Parse the LBA and block count of a READ(16)/WRITE(16) CDB (used by the fake target). */
export function rw16Fields(cdb: Buffer): { lba: number; blocks: number; fua: boolean } {
  return { lba: cdb.readUInt32BE(2) * 0x1_0000_0000 + cdb.readUInt32BE(6), blocks: cdb.readUInt32BE(10), fua: (cdb[1]! & 0x08) !== 0 };
}
