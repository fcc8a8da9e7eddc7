import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LIMITS } from '../limits.js';
import { makeWriteSameHandler, WRITE_SAME_NO_ZERO_LENGTH } from './write-same.js';
import { cdb10, cdb16, fill, INVALID_CDB, LBA_OOB, makeCtx, makeLu, outcome, WRITE_PROTECTED } from './test-support/fixture.js';

const ws10 = makeWriteSameHandler(10);
const ws16 = makeWriteSameHandler(16);

test('WRITE SAME writes the one-block pattern to every block of the range', async () => {
  const lu = makeLu();
  const pat = Buffer.alloc(512);
  for (let i = 0; i < 512; i++) pat[i] = i & 0xff;
  const r = await ws10(makeCtx(lu, cdb10(0x41, 3, 200), pat));
  assert.equal(outcome(r), 'GOOD');
  assert.equal(r.transferLength, 512);
  const back = await lu.device.read(3 * 512, 200 * 512);
  for (let b = 0; b < 200; b++) assert.deepEqual(back.subarray(b * 512, b * 512 + 512), pat);
  assert.deepEqual(await lu.device.read(2 * 512, 512), fill(512, 0));
  assert.deepEqual(await lu.device.read(203 * 512, 512), fill(512, 0));
});

test('WRITE SAME with a range larger than one chunk is written in big chunks', async () => {
  const lu = makeLu({ blocks: 20000 });
  const sizes: number[] = [];
  const orig = lu.device.write.bind(lu.device);
  lu.device.write = async (o: number, d: Buffer) => {
    sizes.push(d.length);
    return orig(o, d);
  };
  assert.equal(outcome(await ws16(makeCtx(lu, cdb16(0x93, 0, 20000), fill(512, 9)))), 'GOOD');
  assert.equal(sizes.length, Math.ceil((20000 * 512) / (4 * 1024 * 1024)));
  const back = await lu.device.read(0, 20000 * 512);
  assert.ok(back.every((b) => b === 9));
});

test('NUMBER OF LOGICAL BLOCKS = 0 → INVALID FIELD IN CDB (WSNZ=1); range and MAXIMUM WRITE SAME LENGTH enforced', async () => {
  const lu = makeLu({ blocks: 100 });
  assert.equal(WRITE_SAME_NO_ZERO_LENGTH, true);
  assert.equal(outcome(await ws10(makeCtx(lu, cdb10(0x41, 0, 0), fill(512, 4)))), INVALID_CDB);
  assert.equal(outcome(await ws10(makeCtx(lu, cdb10(0x41, 0, 0, 0x08), fill(512, 0)))), INVALID_CDB);
  assert.equal(outcome(await ws10(makeCtx(lu, cdb10(0x41, 101, 1), fill(512, 4)))), LBA_OOB);
  assert.equal(outcome(await ws10(makeCtx(lu, cdb10(0x41, 99, 2), fill(512, 4)))), LBA_OOB);
  assert.equal(outcome(await ws10(makeCtx(lu, cdb10(0x41, 0xffffffff, 1), fill(512, 4)))), LBA_OOB);
  assert.equal(outcome(await ws10(makeCtx(lu, cdb10(0x41, 99, 1), fill(512, 4)))), 'GOOD');
  const big = makeLu({ blocks: LIMITS.maxWriteSameBlocks + 10 });
  assert.equal(outcome(await ws16(makeCtx(big, cdb16(0x93, 0, LIMITS.maxWriteSameBlocks + 1), fill(512, 0)))), INVALID_CDB);
});

test('thick LU: WRITE SAME with UNMAP=1 → INVALID FIELD IN CDB (LBPWS=0)', async () => {
  const lu = makeLu({ thin: false });
  assert.equal(outcome(await ws16(makeCtx(lu, cdb16(0x93, 0, 1, 0x08), fill(512, 0)))), INVALID_CDB);
  assert.equal(outcome(await ws16(makeCtx(lu, cdb16(0x93, 0, 1), fill(512, 0)))), 'GOOD');
});

test('UNMAP=1 with a zero pattern deallocates; non-zero pattern is written', async () => {
  const lu = makeLu({ blocks: 1024 });
  await lu.device.write(0, fill(1024 * 512, 0xff));
  assert.equal(outcome(await ws16(makeCtx(lu, cdb16(0x93, 0, 1024, 0x08), fill(512, 0)))), 'GOOD');
  const st = await lu.device.allocationStatus(0, 1024 * 512);
  assert.deepEqual(st.map((e) => e.mapped), [false]);
  assert.ok((await lu.device.read(0, 1024 * 512)).every((b) => b === 0));
  assert.equal(outcome(await ws10(makeCtx(lu, cdb10(0x41, 0, 4, 0x08), fill(512, 0x11)))), 'GOOD');
  assert.ok((await lu.device.read(0, 4 * 512)).every((b) => b === 0x11));
});

test('NDOB=1 (16 only) needs no Data-Out and zeroes/deallocates', async () => {
  const lu = makeLu({ blocks: 256 });
  await lu.device.write(0, fill(256 * 512, 0xff));
  const r = await ws16(makeCtx(lu, cdb16(0x93, 0, 256, 0x09)));
  assert.equal(outcome(r), 'GOOD');
  assert.equal(r.transferLength, 0);
  assert.ok((await lu.device.read(0, 256 * 512)).every((b) => b === 0));
  assert.equal(outcome(await ws10(makeCtx(lu, cdb10(0x41, 0, 1, 0x01)))), INVALID_CDB);
});

test('ANCHOR, WRPROTECT, wrong Data-Out size → INVALID FIELD IN CDB; write protect → DATA PROTECT', async () => {
  const lu = makeLu();
  assert.equal(outcome(await ws10(makeCtx(lu, cdb10(0x41, 0, 1, 0x10), fill(512, 0)))), INVALID_CDB);
  assert.equal(outcome(await ws10(makeCtx(lu, cdb10(0x41, 0, 1, 0x18), fill(512, 0)))), INVALID_CDB);
  for (let p = 1; p < 8; p++) assert.equal(outcome(await ws10(makeCtx(lu, cdb10(0x41, 0, 1, p << 5), fill(512, 0)))), INVALID_CDB);
  assert.equal(outcome(await ws10(makeCtx(lu, cdb10(0x41, 0, 1, 0x08), fill(256, 0)))), INVALID_CDB);
  assert.equal(outcome(await ws10(makeCtx(lu, cdb10(0x41, 0, 1, 0x08), fill(1024, 0)))), INVALID_CDB);
  const wp = makeLu({ writeProtected: true });
  assert.equal(outcome(await ws10(makeCtx(wp, cdb10(0x41, 0, 1, 0x08), undefined, { edtl: 512 }))), WRITE_PROTECTED);
  assert.equal(outcome(await ws16(makeCtx(wp, cdb16(0x93, 0, 1), fill(512, 0)))), WRITE_PROTECTED);
});
