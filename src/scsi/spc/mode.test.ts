import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CDB, fixture, nexus, sense } from '../test-support/fixture.js';

const I1 = nexus('iqn.1994-05.com.example:host1');
const I2 = nexus('iqn.1994-05.com.example:host2');

function pagesOf(d: Buffer, hdr: number, bdLen: number): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  for (let off = hdr + bdLen; off < d.length; ) {
    const len = d[off + 1]! + 2;
    out.set(d[off]! & 0x3f, d.subarray(off, off + len));
    off += len;
  }
  return out;
}

test('MODE SENSE(6) all pages: header, block descriptor, caching/control/IE pages', async () => {
  const f = fixture();
  const d = (await f.run(I1, CDB.modeSense6(0, 0x3f))).dataIn!;
  assert.equal(d[0], d.length - 1);
  assert.equal(d[2]! & 0x80, 0);
  assert.equal(d[3], 8);
  assert.equal(d.readUInt32BE(4), f.lu.blockCount);
  assert.equal(d.readUIntBE(9, 3), 512);
  const p = pagesOf(d, 4, 8);
  assert.deepEqual([...p.keys()], [0x01, 0x08, 0x0a, 0x1c]);
  assert.equal(p.get(0x08)![2]! & 0x04, 0x04);
  assert.equal(p.get(0x0a)![1], 0x0a);
});

test('MODE SENSE(6) with allocation length 4 returns only the header', async () => {
  const f = fixture();
  const d = (await f.run(I1, CDB.modeSense6(0, 0x3f, 4))).dataIn!;
  assert.equal(d.length, 4);
});

test('MODE SENSE(10) LLBAA gives a long block descriptor; DBD drops it', async () => {
  const f = fixture();
  const d = (await f.run(I1, CDB.modeSense10(0, 0x08, 1024, true))).dataIn!;
  assert.equal(d.readUInt16BE(0), d.length - 2);
  assert.equal(d[4]! & 1, 1);
  assert.equal(d.readUInt16BE(6), 16);
  assert.equal(Number(d.readBigUInt64BE(8)), f.lu.blockCount);
  const n = (await f.run(I1, CDB.modeSense6(0, 0x08, 255, true))).dataIn!;
  assert.equal(n[3], 0);
  assert.equal(n[4], 0x08);
});

test('MODE SENSE saved values → SAVING PARAMETERS NOT SUPPORTED; bad page/subpage → INVALID FIELD IN CDB', async () => {
  const f = fixture();
  assert.deepEqual(sense(await f.run(I1, CDB.modeSense6(3, 0x08))), [5, 0x39, 0]);
  assert.deepEqual(sense(await f.run(I1, CDB.modeSense6(0, 0x19))), [5, 0x24, 0]);
  assert.deepEqual(sense(await f.run(I1, CDB.modeSense6(0, 0x08, 255, false, 5))), [5, 0x24, 0]);
  assert.equal((await f.run(I1, CDB.modeSense6(0, 0x3f, 255, false, 0xff))).status, 0);
});

test('changeable values: WCE in caching, SWP in control', async () => {
  const f = fixture();
  const c = (await f.run(I1, CDB.modeSense6(1, 0x0a, 255, true))).dataIn!;
  assert.equal(c[4 + 4]! & 0x08, 0x08);
  const w = (await f.run(I1, CDB.modeSense6(1, 0x08, 255, true))).dataIn!;
  assert.equal(w[4 + 2], 0x04);
});

test('MODE SELECT sets SWP: WP bit appears, LU is write protected, other nexus gets MODE PARAMETERS CHANGED', async () => {
  const f = fixture();
  await f.run(I2, CDB.tur());
  const cur = (await f.run(I1, CDB.modeSense6(0, 0x0a, 255, true))).dataIn!;
  const page = Buffer.from(cur.subarray(4));
  page[4] = page[4]! | 0x08;
  const param = Buffer.concat([Buffer.alloc(4), page]);
  assert.equal((await f.run(I1, CDB.modeSelect6(param.length), param)).status, 0);
  assert.equal(f.lu.writeProtected, true);
  const h = (await f.run(I1, CDB.modeSense6(0, 0x3f))).dataIn!;
  assert.equal(h[2]! & 0x80, 0x80);
  assert.deepEqual(sense(await f.run(I2, CDB.tur())), [6, 0x2a, 0x01]);
  assert.equal((await f.run(I1, CDB.tur())).status, 0);
});

test('MODE SELECT refuses non-changeable fields, SP=1 and short lists', async () => {
  const f = fixture();
  const cur = (await f.run(I1, CDB.modeSense6(0, 0x0a, 255, true))).dataIn!;
  const page = Buffer.from(cur.subarray(4));
  page[2] = page[2]! | 0x04; // D_SENSE is not changeable
  const param = Buffer.concat([Buffer.alloc(4), page]);
  assert.deepEqual(sense(await f.run(I1, CDB.modeSelect6(param.length), param)), [5, 0x26, 0]);
  assert.deepEqual(sense(await f.run(I1, CDB.modeSelect6(param.length, true), param)), [5, 0x39, 0]);
  assert.deepEqual(sense(await f.run(I1, CDB.modeSelect6(2), Buffer.alloc(2))), [5, 0x1a, 0]);
  assert.equal((await f.run(I1, CDB.modeSelect6(0))).status, 0);
});

test('MODE SELECT clears WCE; caching view follows', async () => {
  const f = fixture();
  const cur = (await f.run(I1, CDB.modeSense6(0, 0x08, 255, true))).dataIn!;
  const page = Buffer.from(cur.subarray(4));
  page[2] = 0;
  assert.equal((await f.run(I1, CDB.modeSelect6(4 + page.length), Buffer.concat([Buffer.alloc(4), page]))).status, 0);
  assert.equal(f.lu.caching.wce, false);
});
