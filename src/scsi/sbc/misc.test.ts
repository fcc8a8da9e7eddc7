import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePreFetchHandler } from './pre-fetch.js';
import { readCapacity10, readCapacity16 } from './read-capacity.js';
import { readDefectData10, readDefectData12 } from './read-defect-data.js';
import { makeSynchronizeCacheHandler } from './synchronize-cache.js';
import { thirdPartyCopyVpdPayload } from './third-party-copy-vpd.js';
import { cdb10, cdb16, LBA_OOB, makeCtx, makeLu, outcome } from './test-support/fixture.js';

test('SYNCHRONIZE CACHE flushes the device; range checked; 0 blocks = to the end', async () => {
  const lu = makeLu({ blocks: 100 });
  let flushes = 0;
  lu.device.flush = async () => {
    flushes++;
  };
  const sc10 = makeSynchronizeCacheHandler(10);
  assert.equal(outcome(await sc10(makeCtx(lu, cdb10(0x35, 0, 0)))), 'GOOD');
  assert.equal(outcome(await sc10(makeCtx(lu, cdb10(0x35, 90, 10, 0x02)))), 'GOOD');
  assert.equal(outcome(await sc10(makeCtx(lu, cdb10(0x35, 95, 10)))), LBA_OOB);
  assert.equal(outcome(await makeSynchronizeCacheHandler(16)(makeCtx(lu, cdb16(0x91, 101, 0)))), LBA_OOB);
  assert.equal(flushes, 2);
  lu.device.flush = async () => {
    throw new Error('EIO');
  };
  assert.equal(outcome(await sc10(makeCtx(lu, cdb10(0x35, 0, 0)))), '3/0c/00');
});

test('PRE-FETCH returns GOOD in range, 21h/00h beyond it', async () => {
  const lu = makeLu({ blocks: 100 });
  const pf10 = makePreFetchHandler(10);
  const pf16 = makePreFetchHandler(16);
  assert.equal(outcome(await pf10(makeCtx(lu, cdb10(0x34, 0, 0)))), 'GOOD');
  assert.equal(outcome(await pf10(makeCtx(lu, cdb10(0x34, 99, 1, 0x02)))), 'GOOD');
  assert.equal(outcome(await pf10(makeCtx(lu, cdb10(0x34, 101, 0)))), LBA_OOB);
  assert.equal(outcome(await pf10(makeCtx(lu, cdb10(0x34, 99, 2)))), LBA_OOB);
  assert.equal(outcome(await pf16(makeCtx(lu, cdb16(0x90, 0xffffffffffffffffn, 1)))), LBA_OOB);
  assert.equal(outcome(await pf16(makeCtx(lu, cdb16(0x90, 50, 50)))), 'GOOD');
});

test('READ CAPACITY (10) and (16) report last LBA, block size, LBPME/LBPRZ; allocation length honoured', () => {
  const lu = makeLu({ blocks: 1000, blockSize: 4096 });
  const r10 = readCapacity10(makeCtx(lu, Buffer.from([0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0])));
  assert.deepEqual(r10.dataIn, Buffer.from([0, 0, 0x03, 0xe7, 0, 0, 0x10, 0]));
  const c = Buffer.alloc(16);
  c[0] = 0x9e;
  c[1] = 0x10;
  c.writeUInt32BE(32, 10);
  const r16 = readCapacity16(makeCtx(lu, c));
  const d = r16.dataIn!;
  assert.equal(d.length, 32);
  assert.equal(Number(d.readBigUInt64BE(0)), 999);
  assert.equal(d.readUInt32BE(8), 4096);
  assert.equal(d[12], 0);
  assert.equal(d[13], 0);
  assert.equal(d[14]! & 0xc0, 0xc0);
  const thick = readCapacity16(makeCtx(makeLu({ thin: false }), c));
  assert.equal(thick.dataIn![14]! & 0xc0, 0, 'thick: LBPME=0, LBPRZ=0');
  for (let a = 0; a < 16; a++) {
    c.writeUInt32BE(a, 10);
    const r = readCapacity16(makeCtx(lu, c));
    assert.equal(outcome(r), 'GOOD');
    assert.equal(r.dataIn!.length, a);
    assert.equal(r.transferLength, a);
  }
});

test('READ CAPACITY (10) returns FFFFFFFFh when the last LBA does not fit', () => {
  const lu = { ...makeLu({ blocks: 8 }), blockCount: 0x1_0000_0001 };
  const r = readCapacity10(makeCtx(lu, Buffer.alloc(10, 0).fill(0x25, 0, 1)));
  assert.equal(r.dataIn!.readUInt32BE(0), 0xffffffff);
});

test('READ DEFECT DATA (10)/(12) return an empty list in the requested format', () => {
  const lu = makeLu();
  const c10 = Buffer.from([0x37, 0, 0x18 | 0x05, 0, 0, 0, 0, 0, 32, 0]);
  const r10 = readDefectData10(makeCtx(lu, c10));
  assert.deepEqual(r10.dataIn, Buffer.from([0, 0x1d, 0, 0]));
  const c12 = Buffer.from([0xb7, 0x08 | 0x04, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0]);
  const r12 = readDefectData12(makeCtx(lu, c12));
  assert.deepEqual(r12.dataIn, Buffer.from([0, 0x0c, 0, 0, 0, 0, 0, 0]));
  assert.equal(readDefectData10(makeCtx(lu, Buffer.from([0x37, 0, 0, 0, 0, 0, 0, 0, 2, 0]))).dataIn!.length, 2);
});

test('Third-party Copy VPD body lists EXTENDED COPY and RECEIVE COPY RESULTS service actions', () => {
  const d = thirdPartyCopyVpdPayload();
  assert.equal(d.readUInt16BE(0), 1);
  assert.equal(d.readUInt16BE(2) % 4, 0);
  assert.equal(d.length, 4 + d.readUInt16BE(2));
  assert.deepEqual([...d.subarray(4, 5 + d[4]!)], [7, 0x83, 1, 0x00, 0x84, 2, 0x00, 0x03]);
});
