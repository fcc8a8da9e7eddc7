// READ CAPACITY (16) and GET LBA STATUS: hand-made data and what the target encodes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, nexus } from '../test-support/fixture.js';
import { getLbaStatus, readCapacity16, unmap, write16 } from './cdb-sbc.js';
import { parseGetLbaStatus, parseReadCapacity16 } from './capacity.js';

const I1 = nexus('iqn.1994-05.com.example:host1');

test('READ CAPACITY (16)', () => {
  const c = Buffer.alloc(32);
  c.writeBigUInt64BE(2047n, 0);
  c.writeUInt32BE(4096, 8);
  c[14] = 0xc0;
  assert.deepEqual(parseReadCapacity16(c), { blockCount: 2048, blockSize: 4096, lbpme: true, lbprz: true });
  c[14] = 0x80;
  assert.deepEqual(parseReadCapacity16(c), { blockCount: 2048, blockSize: 4096, lbpme: true, lbprz: false });
  assert.equal(parseReadCapacity16(c.subarray(0, 11)), undefined);
  assert.deepEqual(parseReadCapacity16(c.subarray(0, 12)), { blockCount: 2048, blockSize: 4096, lbpme: false, lbprz: false });
});

test('GET LBA STATUS: descriptors within PARAMETER DATA LENGTH', () => {
  const d = Buffer.alloc(8 + 32);
  d.writeUInt32BE(4 + 32, 0);
  d.writeBigUInt64BE(0n, 8);
  d.writeUInt32BE(5, 16);
  d[20] = 1;
  d.writeBigUInt64BE(5n, 24);
  d.writeUInt32BE(2, 32);
  assert.deepEqual(parseGetLbaStatus(d), [{ lba: 0, blocks: 5, provisioning: 1 }, { lba: 5, blocks: 2, provisioning: 0 }]);
  d.writeUInt32BE(4 + 16, 0);
  assert.deepEqual(parseGetLbaStatus(d), [{ lba: 0, blocks: 5, provisioning: 1 }]);
  assert.deepEqual(parseGetLbaStatus(d.subarray(0, 7)), []);
});

test('round trip: READ CAPACITY (16) and GET LBA STATUS as the target encodes them', async () => {
  const f = fixture({ blockSize: 4096 });
  const cap = parseReadCapacity16((await f.run(I1, readCapacity16().cdb)).dataIn!);
  assert.deepEqual(cap, { blockCount: (64 * 1024 * 1024) / 4096, blockSize: 4096, lbpme: true, lbprz: true });
  // the memory device allocates in 64 KiB chunks: 16 blocks of 4 KiB
  const w = write16(32, Buffer.alloc(16 * 4096, 0xab), 4096);
  assert.equal((await f.run(I1, w.cdb, w.dataOut)).status, 0);
  const st = parseGetLbaStatus((await f.run(I1, getLbaStatus(0).cdb)).dataIn!);
  assert.deepEqual(st, [{ lba: 0, blocks: 32, provisioning: 1 }, { lba: 32, blocks: 16, provisioning: 0 }, { lba: 48, blocks: cap!.blockCount - 48, provisioning: 1 }]);
  const u = unmap([{ lba: 32, blocks: 16 }]);
  assert.equal((await f.run(I1, u.cdb, u.dataOut)).status, 0);
  assert.deepEqual(parseGetLbaStatus((await f.run(I1, getLbaStatus(3).cdb)).dataIn!), [{ lba: 3, blocks: cap!.blockCount - 3, provisioning: 1 }]);
});
