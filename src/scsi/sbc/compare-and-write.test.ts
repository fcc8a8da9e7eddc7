import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareAndWrite } from './compare-and-write.js';
import { makeWriteHandler } from './write.js';
import { makeReadHandler } from './read.js';
import { orWrite16 } from './orwrite.js';
import { cdb10, cdb16, fill, INVALID_CDB, LBA_OOB, makeCtx, makeLu, MISCOMPARE, outcome, WRITE_PROTECTED } from './test-support/fixture.js';

function cawCdb(lba: number, blocks: number, byte1 = 0): Buffer {
  const b = Buffer.alloc(16);
  b[0] = 0x89;
  b[1] = byte1;
  b.writeBigUInt64BE(BigInt(lba), 2);
  b[13] = blocks;
  return b;
}

test('COMPARE AND WRITE: match → writes; miscompare → 1Dh/00h with INFORMATION = offset, nothing written', async () => {
  const lu = makeLu();
  await lu.device.write(512, fill(1024, 0x41));
  const ok = await compareAndWrite(makeCtx(lu, cawCdb(1, 2), Buffer.concat([fill(1024, 0x41), fill(1024, 0x42)])));
  assert.equal(outcome(ok), 'GOOD');
  assert.equal(ok.transferLength, 2048);
  assert.deepEqual(await lu.device.read(512, 1024), fill(1024, 0x42));
  for (const at of [0, 600, 1023]) {
    const verify = fill(1024, 0x42);
    verify[at] = 0x5a;
    const r = await compareAndWrite(makeCtx(lu, cawCdb(1, 2), Buffer.concat([verify, fill(1024, 0x43)])));
    assert.equal(outcome(r), MISCOMPARE);
    assert.equal(r.sense!.readUInt32BE(3), at);
    assert.deepEqual(await lu.device.read(512, 1024), fill(1024, 0x42));
  }
});

test('COMPARE AND WRITE checks: 0 blocks GOOD, range, WRPROTECT, Data-Out size, write protect, DPO/FUA ok', async () => {
  const lu = makeLu({ blocks: 300 });
  assert.equal(outcome(await compareAndWrite(makeCtx(lu, cawCdb(0, 0)))), 'GOOD');
  assert.equal(outcome(await compareAndWrite(makeCtx(lu, cawCdb(0, 0), fill(512 * 512, 0)))), INVALID_CDB, '256 blocks coded as 0');
  assert.equal(outcome(await compareAndWrite(makeCtx(lu, cawCdb(300, 1), fill(1024, 0)))), LBA_OOB);
  assert.equal(outcome(await compareAndWrite(makeCtx(lu, cawCdb(0, 1, 0x20), fill(1024, 0)))), INVALID_CDB);
  assert.equal(outcome(await compareAndWrite(makeCtx(lu, cawCdb(0, 1), fill(2048, 0)))), INVALID_CDB);
  assert.equal(outcome(await compareAndWrite(makeCtx(lu, cawCdb(0, 3), fill(2048, 0)))), INVALID_CDB);
  assert.equal(outcome(await compareAndWrite(makeCtx(lu, cawCdb(0, 1, 0x18), fill(1024, 0)))), 'GOOD');
  assert.equal(outcome(await compareAndWrite(makeCtx(lu, cawCdb(45, 255), fill(255 * 1024, 0)))), 'GOOD');
  const wp = makeLu({ writeProtected: true });
  assert.equal(outcome(await compareAndWrite(makeCtx(wp, cawCdb(0, 1), fill(1024, 0)))), WRITE_PROTECTED);
});

// Regression: without the range lock a WRITE could land between the compare and the write.
test('COMPARE AND WRITE is atomic against concurrent WRITEs through the LU lock', async () => {
  const lu = makeLu({ blocks: 16 });
  const write10 = makeWriteHandler(10);
  // Slow the device down so that interleavings would show.
  const dev = lu.device;
  const realRead = dev.read.bind(dev);
  const realWrite = dev.write.bind(dev);
  const tick = () => new Promise<void>((r) => setImmediate(r));
  dev.read = async (o: number, l: number) => {
    await tick();
    return realRead(o, l);
  };
  dev.write = async (o: number, d: Buffer) => {
    await tick();
    return realWrite(o, d);
  };
  await realWrite(0, fill(512, 0));
  // Lost-update check: 4 clients each increment the counter in block 0 eight times with
  // read + COMPARE AND WRITE (retrying on MISCOMPARE). Without atomicity two CAWs could
  // both match the same old value and one increment would be lost.
  const read10 = makeReadHandler(10);
  let successes = 0;
  const client = async () => {
    for (let done = 0; done < 8; ) {
      const cur = (await read10(makeCtx(lu, cdb10(0x28, 0, 1)))).dataIn!;
      const next = Buffer.alloc(512);
      next.writeUInt32BE(cur.readUInt32BE(0) + 1, 0);
      const r = await compareAndWrite(makeCtx(lu, cawCdb(0, 1), Buffer.concat([cur, next])));
      if (r.status === 0) {
        done++;
        successes++;
      } else assert.equal(outcome(r), MISCOMPARE);
    }
  };
  await Promise.all([client(), client(), client(), client()]);
  assert.equal(successes, 32);
  assert.equal((await realRead(0, 512)).readUInt32BE(0), 32);
  // Deterministic check: hold the lock, start a WRITE, and see that a CAW queued before it completes first.
  const order: string[] = [];
  await realWrite(0, fill(512, 0x41));
  let releaseHold!: () => void;
  const hold = lu.lock.withRange(0, 1, () => new Promise<void>((r) => (releaseHold = r)));
  const caw = compareAndWrite(makeCtx(lu, cawCdb(0, 1), Buffer.concat([fill(512, 0x41), fill(512, 0x42)]))).then((r) => order.push(`caw:${outcome(r)}`));
  const wr = write10(makeCtx(lu, cdb10(0x2a, 0, 1), fill(512, 0x43))).then(() => order.push('write'));
  await tick();
  releaseHold();
  await hold;
  await Promise.all([caw, wr]);
  assert.deepEqual(order, ['caw:GOOD', 'write']);
  assert.deepEqual(await realRead(0, 512), fill(512, 0x43));
});

test('ORWRITE(16) ORs the Data-Out into the medium', async () => {
  const lu = makeLu();
  await lu.device.write(0, fill(2048, 0x0f));
  const r = await orWrite16(makeCtx(lu, cdb16(0x8b, 0, 4), fill(2048, 0xa0)));
  assert.equal(outcome(r), 'GOOD');
  assert.deepEqual(await lu.device.read(0, 2048), fill(2048, 0xaf));
  // unaligned Buffer (offset into a larger one) takes the byte path
  const big = Buffer.alloc(513 + 512, 0x50).subarray(1, 513);
  assert.equal(outcome(await orWrite16(makeCtx(lu, cdb16(0x8b, 8, 1), big))), 'GOOD');
  assert.deepEqual(await lu.device.read(8 * 512, 512), fill(512, 0x50));
  assert.equal(outcome(await orWrite16(makeCtx(lu, cdb16(0x8b, 0, 0)))), 'GOOD');
  assert.equal(outcome(await orWrite16(makeCtx(lu, cdb16(0x8b, 4097, 0)))), LBA_OOB);
  assert.equal(outcome(await orWrite16(makeCtx(lu, cdb16(0x8b, 0xffffffffffffffffn, 1), fill(512, 0)))), LBA_OOB);
  assert.equal(outcome(await orWrite16(makeCtx(lu, cdb16(0x8b, 0, 1, 0x40), fill(512, 0)))), INVALID_CDB);
  assert.equal(outcome(await orWrite16(makeCtx(lu, cdb16(0x8b, 0, 1, 0x18), fill(512, 0)))), 'GOOD');
  assert.equal(outcome(await orWrite16(makeCtx(makeLu({ writeProtected: true }), cdb16(0x8b, 0, 1), fill(512, 0)))), WRITE_PROTECTED);
  assert.equal((await makeReadHandler(16)(makeCtx(lu, cdb16(0x88, 0, 1)))).dataIn![0], 0xaf);
});
