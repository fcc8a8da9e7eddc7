import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CDB, fixture, nexus, sense } from '../test-support/fixture.js';

const I1 = nexus('iqn.1994-05.com.example:host1');

test('standard INQUIRY: SPC-4, HiSup, TPGS implicit, 3PC, CmdQue, vendor and version descriptors', async () => {
  const f = fixture();
  const r = await f.run(I1, CDB.inquiry(false, 0, 260));
  assert.equal(r.status, 0);
  const d = r.dataIn!;
  assert.equal(d.length, 74);
  assert.equal(d[0], 0x00);
  assert.equal(d[2], 0x06);
  assert.equal(d[3]! & 0x0f, 2);
  assert.equal(d[3]! & 0x10, 0x10);
  assert.equal(d[4], d.length - 5);
  assert.equal((d[5]! >> 4) & 3, 1);
  assert.equal(d[5]! & 0x08, 0x08);
  assert.equal(d[7]! & 0x02, 0x02);
  assert.equal(d.subarray(8, 16).toString('ascii'), 'TANDEM  ');
  const versions = [0, 1, 2, 3].map((i) => d.readUInt16BE(58 + 2 * i));
  assert.deepEqual(versions, [0x00a0, 0x0960, 0x0460, 0x04c0]);
});

test('INQUIRY honours the allocation length and is identical at 511 and 512', async () => {
  const f = fixture();
  for (const n of [5, 36, 200]) {
    const r = await f.run(I1, CDB.inquiry(false, 0, n));
    assert.equal(r.dataIn!.length, Math.min(n, 74));
  }
  const a = await f.run(I1, CDB.inquiry(false, 0, 511));
  const b = await f.run(I1, CDB.inquiry(false, 0, 512));
  assert.deepEqual(a.dataIn, b.dataIn);
});

test('EVPD=0 with a page code is INVALID FIELD IN CDB; unknown VPD page too', async () => {
  const f = fixture();
  assert.deepEqual(sense(await f.run(I1, CDB.inquiry(false, 1))), [5, 0x24, 0]);
  assert.deepEqual(sense(await f.run(I1, CDB.inquiry(true, 0x42))), [5, 0x24, 0]);
});

test('supported VPD pages are ascending and each one answers', async () => {
  const f = fixture();
  const r = await f.run(I1, CDB.inquiry(true, 0));
  const pages = [...r.dataIn!.subarray(4, 4 + r.dataIn!.readUInt16BE(2))];
  assert.deepEqual(pages, [0x00, 0x80, 0x83, 0x8f, 0xb0, 0xb1, 0xb2]);
  for (const p of pages) {
    const x = await f.run(I1, CDB.inquiry(true, p));
    assert.equal(x.status, 0, `page ${p}`);
    assert.equal(x.dataIn![1], p);
    assert.equal(x.dataIn!.readUInt16BE(2) + 4, x.dataIn!.length);
  }
});

test('VPD 80h carries the serial; 83h has NAA, T10, target port name, RTPI, TPG and target device name', async () => {
  const f = fixture();
  const s = (await f.run(I1, CDB.inquiry(true, 0x80))).dataIn!;
  assert.equal(s.subarray(4).toString('ascii'), 'TND0001');
  const d = (await f.run(I1, CDB.inquiry(true, 0x83))).dataIn!;
  const found: Array<{ assoc: number; type: number; value: Buffer; proto: number; piv: boolean }> = [];
  for (let off = 4; off < d.length; ) {
    const len = d[off + 3]!;
    found.push({ proto: d[off]! >> 4, piv: (d[off + 1]! & 0x80) !== 0, assoc: (d[off + 1]! >> 4) & 3, type: d[off + 1]! & 0xf, value: d.subarray(off + 4, off + 4 + len) });
    off += 4 + len;
  }
  const naa = found.find((x) => x.type === 3 && x.assoc === 0)!;
  assert.deepEqual(naa.value, f.lu.identity.naa);
  assert.ok(found.find((x) => x.type === 1 && x.assoc === 0)!.value.toString().startsWith('TANDEM  TND0001'));
  const tp = found.find((x) => x.type === 8 && x.assoc === 1)!;
  assert.equal(tp.proto, 5);
  assert.ok(tp.piv);
  assert.equal(tp.value.toString('utf8').replace(/\0+$/, ''), I1.targetPort);
  assert.equal(tp.value.length % 4, 0);
  assert.equal(found.find((x) => x.type === 4)!.value.readUInt16BE(2), 1);
  assert.equal(found.find((x) => x.type === 5)!.value.readUInt16BE(2), 1);
  assert.equal(found.find((x) => x.type === 8 && x.assoc === 2)!.value.toString('utf8').replace(/\0+$/, ''), I1.targetName);
});

test('VPD B0h/B1h/B2h: block limits, non-rotating, thin provisioning with UNMAP', async () => {
  const f = fixture();
  const bl = (await f.run(I1, CDB.inquiry(true, 0xb0))).dataIn!;
  assert.equal(bl.readUInt16BE(2), 0x3c);
  assert.equal(bl[4]! & 1, 1); // WSNZ
  assert.equal(bl[5], 255);
  assert.equal(bl.readUInt32BE(8), (16 * 1024 * 1024) / 512);
  assert.ok(bl.readUInt32BE(20) > 0 && bl.readUInt32BE(20) <= 1024 * 1024);
  assert.equal(bl.readUInt32BE(24), 256);
  assert.equal(bl.readUInt32BE(28), 8);
  assert.ok(bl.readBigUInt64BE(36) > 0n);
  const bdc = (await f.run(I1, CDB.inquiry(true, 0xb1))).dataIn!;
  assert.equal(bdc.readUInt16BE(4), 1);
  const lbp = (await f.run(I1, CDB.inquiry(true, 0xb2))).dataIn!;
  assert.equal(lbp[5]! & 0xe0, 0xe0);
  assert.equal((lbp[5]! >> 2) & 7, 1);
  assert.equal(lbp[6]! & 7, 2);
});

test('INQUIRY to an unmapped LUN: peripheral qualifier 011b, type 1Fh', async () => {
  const f = fixture();
  const r = await f.run(I1, CDB.inquiry(false, 0), undefined, 7);
  assert.equal(r.status, 0);
  assert.equal(r.dataIn![0], 0x7f);
});

test('VPD 8Fh lists EXTENDED COPY and RECEIVE COPY RESULTS service actions from the opcode table', async () => {
  const f = fixture();
  const d = (await f.run(I1, CDB.inquiry(true, 0x8f, 1024))).dataIn!;
  assert.equal(d.readUInt16BE(4), 0x0001);
  const listLen = d[8]!;
  const cmds = new Map<number, number[]>();
  for (let off = 9; off < 9 + listLen; ) {
    const n = d[off + 1]!;
    cmds.set(d[off]!, [...d.subarray(off + 2, off + 2 + n)]);
    off += 2 + n;
  }
  assert.deepEqual(cmds.get(0x83), f.target.serviceActionsOf(0x83));
  assert.ok(cmds.get(0x84)!.includes(0x00));
  assert.equal(d.readUInt16BE(6) % 4, 0);
});
