import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BlockDevice } from '../../block/block-device.js';
import { makeReadHandler } from './read.js';
import { makeWriteHandler } from './write.js';
import { cdb10, cdb12, cdb16, fill, INVALID_CDB, LBA_OOB, makeCtx, makeLu, outcome, WRITE_PROTECTED } from './test-support/fixture.js';

const read10 = makeReadHandler(10);
const write10 = makeWriteHandler(10);

test('WRITE(10) then READ(10) round-trips data in one device call each', async () => {
  const lu = makeLu();
  const data = Buffer.alloc(4 * 512);
  for (let i = 0; i < data.length; i++) data[i] = i & 0xff;
  const w = await write10(makeCtx(lu, cdb10(0x2a, 10, 4), data));
  assert.equal(outcome(w), 'GOOD');
  assert.equal(w.transferLength, 2048);
  const r = await read10(makeCtx(lu, cdb10(0x28, 10, 4)));
  assert.equal(outcome(r), 'GOOD');
  assert.equal(r.transferLength, 2048);
  assert.deepEqual(r.dataIn, data);
});

test('READ/WRITE 12 and 16 use their own LBA/length layouts', async () => {
  const lu = makeLu();
  const w = await makeWriteHandler(16)(makeCtx(lu, cdb16(0x8a, 4095, 1), fill(512, 0x5a)));
  assert.equal(outcome(w), 'GOOD');
  const r = await makeReadHandler(12)(makeCtx(lu, cdb12(0xa8, 4095, 1)));
  assert.deepEqual(r.dataIn, fill(512, 0x5a));
});

test('READ(6)/WRITE(6): transfer length 0 means 256 blocks; 21-bit LBA', async () => {
  const lu = makeLu();
  const cdbW = Buffer.from([0x0a, 0x00, 0x01, 0x00, 0x00, 0x00]); // LBA 256, 256 blocks
  const w = await makeWriteHandler(6)(makeCtx(lu, cdbW, fill(256 * 512, 7)));
  assert.equal(outcome(w), 'GOOD');
  assert.equal(w.transferLength, 256 * 512);
  const r = await makeReadHandler(6)(makeCtx(lu, Buffer.from([0x08, 0x00, 0x01, 0x00, 0x00, 0x00])));
  assert.equal(r.dataIn!.length, 256 * 512);
  assert.ok(r.dataIn!.every((b) => b === 7));
  const oob = await makeReadHandler(6)(makeCtx(lu, Buffer.from([0x08, 0x1f, 0xff, 0xff, 0x01, 0x00])));
  assert.equal(outcome(oob), LBA_OOB);
});

test('LBA range: reads/writes past the end and zero-length at LBA > capacity are 21h/00h', async () => {
  const lu = makeLu({ blocks: 100 });
  assert.equal(outcome(await read10(makeCtx(lu, cdb10(0x28, 99, 2)))), LBA_OOB);
  assert.equal(outcome(await read10(makeCtx(lu, cdb10(0x28, 101, 0)))), LBA_OOB);
  assert.equal(outcome(await read10(makeCtx(lu, cdb10(0x28, 0xffffffff, 1)))), LBA_OOB);
  assert.equal(outcome(await read10(makeCtx(lu, cdb10(0x28, 100, 0)))), 'GOOD');
  assert.equal(outcome(await read10(makeCtx(lu, cdb10(0x28, 99, 1)))), 'GOOD');
  assert.equal(outcome(await makeReadHandler(16)(makeCtx(lu, cdb16(0x88, 0xffffffffffffffffn, 1)))), LBA_OOB);
  assert.equal(outcome(await makeReadHandler(16)(makeCtx(lu, cdb16(0x88, 0x8000000000000000n, 0)))), LBA_OOB);
  assert.equal(outcome(await write10(makeCtx(lu, cdb10(0x2a, 100, 1), fill(512, 1)))), LBA_OOB);
});

test('RDPROTECT/WRPROTECT != 0 → INVALID FIELD IN CDB; DPO/FUA accepted', async () => {
  const lu = makeLu();
  for (let p = 1; p < 8; p++) {
    assert.equal(outcome(await read10(makeCtx(lu, cdb10(0x28, 0, 1, p << 5)))), INVALID_CDB);
    assert.equal(outcome(await write10(makeCtx(lu, cdb10(0x2a, 0, 1, p << 5), fill(512, 1)))), INVALID_CDB);
  }
  for (const f of [0x10, 0x08, 0x18]) {
    assert.equal(outcome(await read10(makeCtx(lu, cdb10(0x28, 0, 1, f)))), 'GOOD');
    assert.equal(outcome(await write10(makeCtx(lu, cdb10(0x2a, 0, 1, f), fill(512, 1)))), 'GOOD');
  }
});

test('FUA=1 is passed to device.write as {fua:true}', async () => {
  const lu = makeLu();
  const seen: Array<boolean | undefined> = [];
  const dev: BlockDevice = lu.device;
  const orig = dev.write.bind(dev);
  dev.write = async (o, d, opts) => {
    seen.push(opts?.fua);
    return orig(o, d, opts);
  };
  await write10(makeCtx(lu, cdb10(0x2a, 0, 1, 0x08), fill(512, 1)));
  await write10(makeCtx(lu, cdb10(0x2a, 0, 1, 0x00), fill(512, 1)));
  assert.deepEqual(seen, [true, false]);
});

test('transfer length above MAXIMUM TRANSFER LENGTH → INVALID FIELD IN CDB', async () => {
  const lu = makeLu({ blocks: 1 << 20 });
  const r = await makeReadHandler(16)(makeCtx(lu, cdb16(0x88, 0, 32769)));
  assert.equal(outcome(r), INVALID_CDB);
  const ok = await makeReadHandler(16)(makeCtx(lu, cdb16(0x88, 0, 32768)));
  assert.equal(outcome(ok), 'GOOD');
});

test('write-protected LU → DATA PROTECT 27h/00h, reads still work', async () => {
  const lu = makeLu({ writeProtected: true });
  assert.equal(outcome(await write10(makeCtx(lu, cdb10(0x2a, 0, 1), fill(512, 1)))), WRITE_PROTECTED);
  assert.equal(outcome(await read10(makeCtx(lu, cdb10(0x28, 0, 1)))), 'GOOD');
});

// Regression: libiscsi iSCSIResiduals Write10Residuals (EDTL=200 for one block) wants GOOD + overflow residual.
test('residuals: a short Data-Out writes exactly the bytes that arrived (partial block merged), GOOD', async () => {
  const lu = makeLu();
  await write10(makeCtx(lu, cdb10(0x2a, 0, 2), fill(1024, 0x61)));
  // 2 blocks asked, 1 block of 'b' sent (EDTL = 1 block)
  const r1 = await write10(makeCtx(lu, cdb10(0x2a, 0, 2), fill(512, 0x62)));
  assert.equal(outcome(r1), 'GOOD');
  assert.equal(r1.transferLength, 1024);
  const back = (await read10(makeCtx(lu, cdb10(0x28, 0, 2)))).dataIn!;
  assert.deepEqual(back, Buffer.concat([fill(512, 0x62), fill(512, 0x61)]));
  // EDTL 0 → GOOD, nothing written
  const r0 = await write10(makeCtx(lu, cdb10(0x2a, 0, 1), undefined));
  assert.equal(outcome(r0), 'GOOD');
  assert.equal(r0.transferLength, 512);
  // 200 bytes of one block: those 200 change, the rest of the block stays
  const r2 = await write10(makeCtx(lu, cdb10(0x2a, 0, 1), fill(200, 0x63)));
  assert.equal(outcome(r2), 'GOOD');
  assert.equal(r2.transferLength, 512);
  const blk = (await read10(makeCtx(lu, cdb10(0x28, 0, 1)))).dataIn!;
  assert.deepEqual(blk, Buffer.concat([fill(200, 0x63), fill(312, 0x62)]));
  // 1.5 blocks of a 2-block write: one whole block plus a merged half block
  const r4 = await write10(makeCtx(lu, cdb10(0x2a, 0, 2), fill(768, 0x65)));
  assert.equal(outcome(r4), 'GOOD');
  const two = (await read10(makeCtx(lu, cdb10(0x28, 0, 2)))).dataIn!;
  assert.deepEqual(two, Buffer.concat([fill(768, 0x65), fill(256, 0x61)]));
  await write10(makeCtx(lu, cdb10(0x2a, 0, 1), fill(512, 0x62)));
  // EDTL larger than needed: only the CDB's blocks are written
  const r3 = await write10(makeCtx(lu, cdb10(0x2a, 0, 1), fill(10000, 0x64)));
  assert.equal(outcome(r3), 'GOOD');
  assert.equal(r3.transferLength, 512);
  assert.equal((await read10(makeCtx(lu, cdb10(0x28, 1, 1)))).dataIn![0], 0x65, "block 1 untouched by a 1-block write");
});

test('device errors become MEDIUM ERROR sense, never exceptions', async () => {
  const lu = makeLu();
  lu.device.read = async () => {
    throw new Error('EIO');
  };
  assert.equal(outcome(await read10(makeCtx(lu, cdb10(0x28, 0, 1)))), '3/11/00');
});

test('short CDB → INVALID FIELD IN CDB, not a throw', async () => {
  const lu = makeLu();
  assert.equal(outcome(await read10(makeCtx(lu, Buffer.from([0x28, 0, 0])))), INVALID_CDB);
});
