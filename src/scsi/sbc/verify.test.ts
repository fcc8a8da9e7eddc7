import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeVerifyHandler } from './verify.js';
import { makeWriteAndVerifyHandler } from './write-and-verify.js';
import { makeWriteHandler } from './write.js';
import { cdb10, cdb16, fill, INVALID_CDB, LBA_OOB, makeCtx, makeLu, MISCOMPARE, outcome, WRITE_PROTECTED } from './test-support/fixture.js';

const verify10 = makeVerifyHandler(10);

async function seed(lu: ReturnType<typeof makeLu>, lba: number, data: Buffer): Promise<void> {
  await makeWriteHandler(16)(makeCtx(lu, cdb16(0x8a, lba, data.length / lu.blockSize), data));
}

test('VERIFY BYTCHK=01: match → GOOD, mismatch → MISCOMPARE with INFORMATION = offset', async () => {
  const lu = makeLu();
  const data = Buffer.alloc(8 * 512);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
  await seed(lu, 20, data);
  const ok = await verify10(makeCtx(lu, cdb10(0x2f, 20, 8, 0x02), data));
  assert.equal(outcome(ok), 'GOOD');
  assert.equal(ok.transferLength, 4096);
  for (const at of [0, 511, 512, 3000, 4095]) {
    const bad = Buffer.from(data);
    bad[at]! ^= 0x58;
    const r = await verify10(makeCtx(lu, cdb10(0x2f, 20, 8, 0x02), bad));
    assert.equal(outcome(r), MISCOMPARE);
    assert.equal(r.sense![0]! & 0x80, 0x80, 'VALID set');
    assert.equal(r.sense!.readUInt32BE(3), at);
  }
});

test('VERIFY BYTCHK=00 reads the medium only (no Data-Out) → GOOD even if host data differs', async () => {
  const lu = makeLu();
  const r = await verify10(makeCtx(lu, cdb10(0x2f, 0, 16, 0x00)));
  assert.equal(outcome(r), 'GOOD');
  assert.equal(r.transferLength, 0);
});

test('VERIFY BYTCHK=11 compares one block against every block; 10b is INVALID FIELD', async () => {
  const lu = makeLu();
  await seed(lu, 0, fill(4 * 512, 0xab));
  assert.equal(outcome(await verify10(makeCtx(lu, cdb10(0x2f, 0, 4, 0x06), fill(512, 0xab)))), 'GOOD');
  await seed(lu, 2, fill(512, 0xac));
  const r = await verify10(makeCtx(lu, cdb10(0x2f, 0, 4, 0x06), fill(512, 0xab)));
  assert.equal(outcome(r), MISCOMPARE);
  assert.equal(r.sense!.readUInt32BE(3), 1024);
  assert.equal(outcome(await verify10(makeCtx(lu, cdb10(0x2f, 0, 4, 0x04), fill(512, 0xab)))), INVALID_CDB);
});

test('VERIFY: VRPROTECT → INVALID FIELD; range errors; 0 blocks; DPO accepted', async () => {
  const lu = makeLu({ blocks: 64 });
  for (let p = 1; p < 8; p++) assert.equal(outcome(await verify10(makeCtx(lu, cdb10(0x2f, 0, 1, (p << 5) | 2), fill(512, 0)))), INVALID_CDB);
  assert.equal(outcome(await verify10(makeCtx(lu, cdb10(0x2f, 65, 0, 2)))), LBA_OOB);
  assert.equal(outcome(await verify10(makeCtx(lu, cdb10(0x2f, 0xffffffff, 0, 2)))), LBA_OOB);
  assert.equal(outcome(await verify10(makeCtx(lu, cdb10(0x2f, 63, 2, 2), fill(1024, 0)))), LBA_OOB);
  assert.equal(outcome(await verify10(makeCtx(lu, cdb10(0x2f, 0, 0, 2)))), 'GOOD');
  assert.equal(outcome(await verify10(makeCtx(lu, cdb10(0x2f, 0, 1, 0x12), fill(512, 0)))), 'GOOD');
  assert.equal(outcome(await makeVerifyHandler(16)(makeCtx(lu, cdb16(0x8f, 63, 1, 2), fill(512, 0)))), 'GOOD');
});

test('WRITE AND VERIFY writes with FUA and verifies; WRPROTECT/BYTCHK reserved → INVALID FIELD', async () => {
  const lu = makeLu();
  const wv = makeWriteAndVerifyHandler(10);
  const fuas: Array<boolean | undefined> = [];
  const dev = lu.device as import('../../block/block-device.js').BlockDevice;
  const orig = dev.write.bind(dev);
  dev.write = async (o, d, opts) => {
    fuas.push(opts?.fua);
    return orig(o, d, opts);
  };
  const r = await wv(makeCtx(lu, cdb10(0x2e, 5, 2, 0x02), fill(1024, 0x33)));
  assert.equal(outcome(r), 'GOOD');
  assert.deepEqual(fuas, [true]);
  assert.deepEqual(await lu.device.read(5 * 512, 1024), fill(1024, 0x33));
  assert.equal(outcome(await wv(makeCtx(lu, cdb10(0x2e, 0, 1, 0x20 | 0x02), fill(512, 1)))), INVALID_CDB);
  assert.equal(outcome(await wv(makeCtx(lu, cdb10(0x2e, 0, 1, 0x04), fill(512, 1)))), INVALID_CDB);
  assert.equal(outcome(await wv(makeCtx(lu, cdb10(0x2e, 0, 0, 0x02)))), 'GOOD');
  assert.equal(outcome(await wv(makeCtx(lu, cdb10(0x2e, 4097, 0, 0x02)))), LBA_OOB);
  const z = await wv(makeCtx(lu, cdb10(0x2e, 0, 1, 0x02), undefined, { edtl: 0 }));
  assert.equal(outcome(z), 'GOOD', 'EDTL 0 → GOOD with overflow residual (libiscsi WriteVerify10Residuals)');
  assert.equal(z.transferLength, 512);
  const wp = makeLu({ writeProtected: true });
  assert.equal(outcome(await wv(makeCtx(wp, cdb10(0x2e, 0, 1, 0x02), fill(512, 1)))), WRITE_PROTECTED);
});
