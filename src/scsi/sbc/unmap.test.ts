import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LIMITS } from '../limits.js';
import { getLbaStatus } from './get-lba-status.js';
import { unmap } from './unmap.js';
import { cdb16, fill, INVALID_CDB, INVALID_PARAM, LBA_OOB, makeCtx, makeLu, outcome, PARAM_LEN_ERR, WRITE_PROTECTED } from './test-support/fixture.js';

function unmapCdb(paramLen: number, anchor = false): Buffer {
  const b = Buffer.alloc(10);
  b[0] = 0x42;
  b[1] = anchor ? 1 : 0;
  b.writeUInt16BE(paramLen, 7);
  return b;
}

function unmapList(descs: Array<[number | bigint, number]>): Buffer {
  const b = Buffer.alloc(8 + 16 * descs.length);
  b.writeUInt16BE(6 + 16 * descs.length, 0);
  b.writeUInt16BE(16 * descs.length, 2);
  descs.forEach(([lba, n], i) => {
    b.writeBigUInt64BE(BigInt(lba), 8 + 16 * i);
    b.writeUInt32BE(n, 16 + 16 * i);
  });
  return b;
}

async function doUnmap(lu: ReturnType<typeof makeLu>, descs: Array<[number | bigint, number]>) {
  const p = unmapList(descs);
  return unmap(makeCtx(lu, unmapCdb(p.length), p));
}

test('UNMAP frees the listed ranges; they read back as zeros and show deallocated', async () => {
  const lu = makeLu({ blocks: 1024 });
  await lu.device.write(0, fill(1024 * 512, 0x61));
  const r = await doUnmap(lu, [[0, 128], [256, 128]]);
  assert.equal(outcome(r), 'GOOD');
  assert.ok((await lu.device.read(0, 128 * 512)).every((b) => b === 0));
  assert.ok((await lu.device.read(128 * 512, 128 * 512)).every((b) => b === 0x61));
  const st = await getLbaStatus(makeCtx(lu, glsCdb(0, 1024)));
  assert.equal(outcome(st), 'GOOD');
  const d = st.dataIn!;
  assert.equal(d.readUInt32BE(0), 4 + 16 * 4);
  const descs = [0, 1, 2, 3].map((i) => [Number(d.readBigUInt64BE(8 + 16 * i)), d.readUInt32BE(16 + 16 * i), d[20 + 16 * i]]);
  assert.deepEqual(descs, [
    [0, 128, 1],
    [128, 128, 0],
    [256, 128, 1],
    [384, 640, 0],
  ]);
});

test('UNMAP: zero-length descriptors, empty list and parameter list length 0 are not errors', async () => {
  const lu = makeLu({ blocks: 64 });
  assert.equal(outcome(await doUnmap(lu, [[5, 0]])), 'GOOD');
  assert.equal(outcome(await doUnmap(lu, [[64, 0]])), 'GOOD');
  assert.equal(outcome(await doUnmap(lu, [])), 'GOOD');
  assert.equal(outcome(await unmap(makeCtx(lu, unmapCdb(0)))), 'GOOD');
});

test('UNMAP errors: range, ANCHOR, short header, too many descriptors / blocks, write protect', async () => {
  const lu = makeLu({ blocks: 64 });
  await lu.device.write(0, fill(512, 0x61));
  assert.equal(outcome(await doUnmap(lu, [[0, 1], [63, 2]])), LBA_OOB);
  assert.equal((await lu.device.read(0, 512))[0], 0x61, 'nothing freed when any descriptor is bad');
  assert.equal(outcome(await doUnmap(lu, [[0xffffffffffffffffn, 1]])), LBA_OOB);
  const p = unmapList([[0, 1]]);
  assert.equal(outcome(await unmap(makeCtx(lu, unmapCdb(p.length, true), p))), INVALID_CDB);
  assert.equal(outcome(await unmap(makeCtx(lu, unmapCdb(4), p.subarray(0, 4)))), PARAM_LEN_ERR);
  const many = Array.from({ length: LIMITS.maxUnmapDescriptors + 1 }, (_, i) => [i, 0] as [number, number]);
  assert.equal(outcome(await doUnmap(lu, many)), INVALID_PARAM);
  const huge = makeLu({ blocks: LIMITS.maxUnmapLbaCount + 8 });
  assert.equal(outcome(await doUnmap(huge, [[0, LIMITS.maxUnmapLbaCount + 1]])), INVALID_PARAM);
  const wp = makeLu({ writeProtected: true });
  assert.equal(outcome(await doUnmap(wp, [[0, 1]])), WRITE_PROTECTED);
  assert.equal(outcome(await doUnmap(makeLu({ thin: false }), [[0, 1]])), '5/20/00', 'thick LU: LBPU=0');
});

function glsCdb(lba: number | bigint, alloc: number): Buffer {
  const b = cdb16(0x9e, lba, alloc, 0x12);
  return b;
}

test('GET LBA STATUS: first descriptor starts at the starting LBA; beyond the end → 21h/00h', async () => {
  const lu = makeLu({ blocks: 1024 });
  await lu.device.write(0, fill(1024 * 512, 1));
  const r = await getLbaStatus(makeCtx(lu, glsCdb(17, 24)));
  assert.equal(outcome(r), 'GOOD');
  assert.equal(r.dataIn!.length, 24);
  assert.equal(Number(r.dataIn!.readBigUInt64BE(8)), 17);
  assert.equal(r.dataIn!.readUInt32BE(16), 1024 - 17);
  assert.equal(r.dataIn![20], 0);
  assert.equal(outcome(await getLbaStatus(makeCtx(lu, glsCdb(1023, 24)))), 'GOOD');
  assert.equal(outcome(await getLbaStatus(makeCtx(lu, glsCdb(1024, 24)))), LBA_OOB);
  assert.equal(outcome(await getLbaStatus(makeCtx(lu, glsCdb(0x8000000000000000n, 24)))), LBA_OOB);
  assert.equal(outcome(await getLbaStatus(makeCtx(lu, glsCdb(0xffffffffffffffffn, 24)))), LBA_OOB);
  const small = await getLbaStatus(makeCtx(lu, glsCdb(0, 4)));
  assert.equal(small.dataIn!.length, 4);
});
