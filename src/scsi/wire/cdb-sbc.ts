/**
 * Builders for the SBC-4 commands a client sends; each returns the CDB with its data
 * direction and length (a CdbRequest). Pure byte layout:
 *  - READ (10) 28h, READ (16) 88h                 SBC-4 §5.16, §5.18
 *  - WRITE (10) 2Ah, WRITE (16) 8Ah               SBC-4 §5.41, §5.43 (FUA byte 1 bit 3)
 *  - COMPARE AND WRITE (89h)                      SBC-4 §5.3: NUMBER OF LOGICAL BLOCKS in
 *    byte 13, Data-Out is the verify data followed by the write data
 *  - READ CAPACITY (16) (9Eh/10h)                 SBC-4 §5.21
 *  - GET LBA STATUS (9Eh/12h)                     SBC-4 §5.7
 *  - SYNCHRONIZE CACHE (16) (91h)                 SBC-4 §5.25 (0 blocks: to the end)
 *  - UNMAP (42h)                                  SBC-4 §5.32: 8-byte header, then one
 *    16-byte block descriptor per extent (each ≤ 2^32-1 blocks)
 * Block counts of writes are the Data-Out length over the block size.
 */
import { writeU64 } from './bytes.js';
import { cdbOf, Opcode, ServiceAction, type CdbRequest } from './request.js';

const FUA = 0x08;

/** The READ/WRITE layouts by CDB length: LBA and TRANSFER LENGTH fields (SBC-4 §4.2.2). */
const RW = {
  10: { read: Opcode.Read10, write: Opcode.Write10, put: (c: Buffer, lba: number, n: number) => (c.writeUInt32BE(lba >>> 0, 2), c.writeUInt16BE(n, 7)) },
  16: { read: Opcode.Read16, write: Opcode.Write16, put: (c: Buffer, lba: number, n: number) => (writeU64(c, 2, lba), c.writeUInt32BE(n >>> 0, 10)) },
} as const;

function rw(size: 10 | 16, write: boolean, lba: number, blocks: number, fua: boolean): Buffer {
  const layout = RW[size];
  const cdb = cdbOf(size, write ? layout.write : layout.read);
  if (fua) cdb[1] = FUA;
  layout.put(cdb, lba, blocks);
  return cdb;
}

export function read10(lba: number, blocks: number, blockSize: number, fua = false): CdbRequest {
  return { cdb: rw(10, false, lba, blocks, fua), dataInLength: blocks * blockSize };
}

export function write10(lba: number, data: Buffer, blockSize: number, fua = false): CdbRequest {
  return { cdb: rw(10, true, lba, data.length / blockSize, fua), dataOut: data };
}

export function read16(lba: number, blocks: number, blockSize: number, fua = false): CdbRequest {
  return { cdb: rw(16, false, lba, blocks, fua), dataInLength: blocks * blockSize };
}

export function write16(lba: number, data: Buffer, blockSize: number, fua = false): CdbRequest {
  return { cdb: rw(16, true, lba, data.length / blockSize, fua), dataOut: data };
}

/** `compare` and `write` are each the same whole number of blocks. */
export function compareAndWrite(lba: number, compare: Buffer, write: Buffer, blockSize: number, fua = false): CdbRequest {
  const cdb = cdbOf(16, Opcode.CompareAndWrite);
  if (fua) cdb[1] = FUA;
  writeU64(cdb, 2, lba);
  cdb[13] = compare.length / blockSize;
  return { cdb, dataOut: Buffer.concat([compare, write]) };
}

function serviceActionIn16(action: number, lba: number, allocation: number): CdbRequest {
  const cdb = cdbOf(16, Opcode.ServiceActionIn16);
  cdb[1] = action;
  writeU64(cdb, 2, lba);
  cdb.writeUInt32BE(allocation, 10);
  return { cdb, dataInLength: allocation };
}

export function readCapacity16(allocation = 32): CdbRequest {
  return serviceActionIn16(ServiceAction.ReadCapacity16, 0, allocation);
}

export function getLbaStatus(lba: number, allocation = 4096): CdbRequest {
  return serviceActionIn16(ServiceAction.GetLbaStatus, lba, allocation);
}

/** Defaults: the whole LU (LBA 0, NUMBER OF LOGICAL BLOCKS 0). */
export function synchronizeCache16(lba = 0, blocks = 0): CdbRequest {
  const cdb = cdbOf(16, Opcode.SynchronizeCache16);
  writeU64(cdb, 2, lba);
  cdb.writeUInt32BE(blocks >>> 0, 10);
  return { cdb };
}

export function unmap(extents: ReadonlyArray<{ lba: number; blocks: number }>): CdbRequest {
  const param = Buffer.alloc(8 + 16 * extents.length);
  param.writeUInt16BE(param.length - 2, 0);
  param.writeUInt16BE(16 * extents.length, 2);
  extents.forEach((e, i) => {
    writeU64(param, 8 + 16 * i, e.lba);
    param.writeUInt32BE(e.blocks >>> 0, 8 + 16 * i + 8);
  });
  const cdb = cdbOf(10, Opcode.Unmap);
  cdb.writeUInt16BE(param.length, 7);
  return { cdb, dataOut: param };
}
