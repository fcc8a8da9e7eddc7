import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CopyResultsStore } from './copy-results-store.js';
import { XCOPY_LIMITS } from './copy-limits.js';
import { makeExtendedCopyHandler } from './extended-copy.js';
import { makeReceiveCopyResultsHandler } from './receive-copy-results.js';
import { fill, INVALID_CDB, makeCtx, makeLu, makeTarget, outcome, PARAM_LEN_ERR } from './test-support/fixture.js';

function targetDesc(naa: Buffer, type = 0xe4, byte1 = 0): Buffer {
  const d = Buffer.alloc(32);
  d[0] = type;
  d[1] = byte1;
  d[4] = 0x01; // binary code set
  d[5] = 0x03; // association LU, designator type NAA
  d[7] = naa.length;
  naa.copy(d, 8);
  d.writeUIntBE(512, 29, 3);
  return d;
}

function segB2b(src: number, dst: number, blocks: number, srcLba: number, dstLba: number): Buffer {
  const d = Buffer.alloc(28);
  d[0] = 0x02;
  d.writeUInt16BE(24, 2);
  d.writeUInt16BE(src, 4);
  d.writeUInt16BE(dst, 6);
  d.writeUInt16BE(blocks, 10);
  d.writeBigUInt64BE(BigInt(srcLba), 12);
  d.writeBigUInt64BE(BigInt(dstLba), 20);
  return d;
}

function segB2bOff(src: number, dst: number, bytes: number, srcLba: number, dstLba: number, srcOff: number, dstOff: number): Buffer {
  const d = Buffer.alloc(32);
  d[0] = 0x0a;
  d.writeUInt16BE(28, 2);
  d.writeUInt16BE(src, 4);
  d.writeUInt16BE(dst, 6);
  d.writeUInt32BE(bytes, 8);
  d.writeBigUInt64BE(BigInt(srcLba), 12);
  d.writeBigUInt64BE(BigInt(dstLba), 20);
  d.writeUInt16BE(srcOff, 28);
  d.writeUInt16BE(dstOff, 30);
  return d;
}

function paramList(listId: number, usage: number, targets: Buffer[], segs: Buffer[]): Buffer {
  const t = Buffer.concat(targets);
  const s = Buffer.concat(segs);
  const h = Buffer.alloc(16);
  h[0] = listId;
  h[1] = usage << 3;
  h.writeUInt16BE(t.length, 2);
  h.writeUInt32BE(s.length, 8);
  return Buffer.concat([h, t, s]);
}

function xcopyCdb(len: number): Buffer {
  const c = Buffer.alloc(16);
  c[0] = 0x83;
  c.writeUInt32BE(len, 10);
  return c;
}

function rcrCdb(sa: number, listId: number, alloc = 1024): Buffer {
  const c = Buffer.alloc(16);
  c[0] = 0x84;
  c[1] = sa;
  c[2] = listId;
  c.writeUInt32BE(alloc, 10);
  return c;
}

function setup() {
  const lu = makeLu({ blocks: 8192 });
  const store = new CopyResultsStore();
  return { lu, store, xcopy: makeExtendedCopyHandler(store), rcr: makeReceiveCopyResultsHandler(store) };
}

test('EXTENDED COPY block→block within one LU copies the data; COPY STATUS is held then released', async () => {
  const { lu, xcopy, rcr } = setup();
  const data = Buffer.alloc(2048 * 512);
  for (let i = 0; i < data.length; i += 512) data.writeUInt32BE(i / 512, i);
  await lu.device.write(0, data);
  assert.equal(outcome(rcr(makeCtx(lu, rcrCdb(0, 1)))), INVALID_CDB, 'no copy with list id 1 yet');
  const p = paramList(1, 0, [targetDesc(lu.identity.naa)], [segB2b(0, 0, 2048, 0, 8192 - 2048)]);
  const r = await xcopy(makeCtx(lu, xcopyCdb(p.length), p));
  assert.equal(outcome(r), 'GOOD');
  assert.deepEqual(await lu.device.read((8192 - 2048) * 512, 2048 * 512), data);
  const st = rcr(makeCtx(lu, rcrCdb(0, 1)));
  assert.equal(outcome(st), 'GOOD');
  assert.equal(st.dataIn!.readUInt32BE(0), 8);
  assert.equal(st.dataIn![4], 0x01);
  assert.equal(st.dataIn!.readUInt16BE(5), 1);
  assert.equal(st.dataIn!.readUInt32BE(8), 2048 * 512);
  assert.equal(outcome(rcr(makeCtx(lu, rcrCdb(0, 1)))), INVALID_CDB, 'released after being reported');
});

test('EXTENDED COPY across LUs via findByNaa, overlapping ranges, and 0Ah byte offsets', async () => {
  const a = makeLu({ blocks: 1024 });
  const b = makeLu({ blocks: 1024, naa: Buffer.from('6001405fffffffff0000000000000001', 'hex') });
  const target = makeTarget([a, b]);
  const store = new CopyResultsStore();
  const xcopy = makeExtendedCopyHandler(store);
  await a.device.write(0, fill(64 * 512, 0x11));
  const p = paramList(0, 3, [targetDesc(a.identity.naa), targetDesc(b.identity.naa)], [segB2b(0, 1, 64, 0, 100)]);
  assert.equal(outcome(await xcopy(makeCtx(a, xcopyCdb(p.length), p, { target }))), 'GOOD');
  assert.deepEqual(await b.device.read(100 * 512, 64 * 512), fill(64 * 512, 0x11));
  // overlapping forward copy on one LU keeps the source intact while copying
  const src = Buffer.alloc(10 * 1024 * 1024);
  for (let i = 0; i < src.length; i += 4) src.writeUInt32BE(i, i);
  const big = makeLu({ blocks: 40960 });
  await big.device.write(0, src);
  const p2 = paramList(0, 3, [targetDesc(big.identity.naa)], [segB2bOff(0, 0, src.length, 0, 2048, 0, 0)]);
  assert.equal(outcome(await xcopy(makeCtx(big, xcopyCdb(p2.length), p2))), 'GOOD');
  assert.deepEqual(await big.device.read(2048 * 512, src.length), src);
  // byte offsets: copy 100 bytes from block 0 offset 10 to block 5 offset 300
  const c = makeLu({ blocks: 16 });
  const pat = Buffer.alloc(512);
  for (let i = 0; i < 512; i++) pat[i] = i & 0xff;
  await c.device.write(0, pat);
  const p3 = paramList(0, 3, [targetDesc(c.identity.naa)], [segB2bOff(0, 0, 100, 0, 5, 10, 300)]);
  assert.equal(outcome(await xcopy(makeCtx(c, xcopyCdb(p3.length), p3))), 'GOOD');
  const blk5 = await c.device.read(5 * 512, 1024);
  assert.deepEqual(blk5.subarray(300, 400), pat.subarray(10, 110));
  assert.ok(blk5.subarray(0, 300).every((x) => x === 0) && blk5.subarray(400).every((x) => x === 0));
});

test('EXTENDED COPY parameter errors (libiscsi ExtendedCopy ParamHdr/DescrLimits/DescrType)', async () => {
  const { lu, xcopy } = setup();
  const naa = lu.identity.naa;
  const ok = paramList(1, 0, [targetDesc(naa)], [segB2b(0, 0, 16, 0, 100)]);
  assert.equal(outcome(await xcopy(makeCtx(lu, xcopyCdb(0)))), 'GOOD');
  assert.equal(outcome(await xcopy(makeCtx(lu, xcopyCdb(16 + 31), ok.subarray(0, 16 + 31)))), PARAM_LEN_ERR);
  assert.equal(outcome(await xcopy(makeCtx(lu, xcopyCdb(16 + 32 + 27), ok.subarray(0, 16 + 32 + 27)))), PARAM_LEN_ERR);
  const tooManyT = paramList(1, 0, Array.from({ length: XCOPY_LIMITS.maxTargetDescriptors + 1 }, () => targetDesc(naa)), [segB2b(0, 0, 1, 0, 1)]);
  assert.equal(outcome(await xcopy(makeCtx(lu, xcopyCdb(tooManyT.length), tooManyT))), '5/26/06');
  const tooManyS = paramList(2, 0, [targetDesc(naa)], Array.from({ length: XCOPY_LIMITS.maxSegmentDescriptors + 1 }, () => segB2b(0, 0, 1, 0, 1)));
  assert.equal(outcome(await xcopy(makeCtx(lu, xcopyCdb(tooManyS.length), tooManyS))), '5/26/08');
  const nSeg = Math.ceil((XCOPY_LIMITS.maxDescriptorListLength + 29 - 9 * 32) / 28);
  const tooLong = paramList(3, 0, Array.from({ length: 9 }, () => targetDesc(naa)), Array.from({ length: nSeg }, () => segB2b(0, 0, 1, 0, 1)));
  assert.equal(outcome(await xcopy(makeCtx(lu, xcopyCdb(tooLong.length), tooLong))), PARAM_LEN_ERR);
  const fcTarget = paramList(1, 0, [targetDesc(naa, 0xe0)], [segB2b(0, 0, 1, 0, 1)]);
  assert.equal(outcome(await xcopy(makeCtx(lu, xcopyCdb(fcTarget.length), fcTarget))), '5/26/07');
  const streamSeg = Buffer.alloc(20);
  streamSeg[0] = 0x03;
  streamSeg.writeUInt16BE(16, 2);
  const badSeg = paramList(1, 0, [targetDesc(naa)], [streamSeg]);
  assert.equal(outcome(await xcopy(makeCtx(lu, xcopyCdb(badSeg.length), badSeg))), '5/26/09');
  // LU ID TYPE reserved is ignored (SPC-4)
  const luId = paramList(1, 2, [targetDesc(naa, 0xe4, 0x80)], [segB2b(0, 0, 1, 0, 1)]);
  assert.equal(outcome(await xcopy(makeCtx(lu, xcopyCdb(luId.length), luId))), 'GOOD');
});

test('EXTENDED COPY segment errors → COPY ABORTED (libiscsi ValidSegDescr)', async () => {
  const { lu, xcopy, rcr } = setup();
  const naa = lu.identity.naa;
  const badIndex = paramList(1, 2, [targetDesc(naa)], [segB2b(0, 1, 16, 0, 100)]);
  assert.equal(outcome(await xcopy(makeCtx(lu, xcopyCdb(badIndex.length), badIndex))), 'a/0d/02');
  const beyond = paramList(1, 2, [targetDesc(naa)], [segB2b(0, 0, 2048, 0, 8191)]);
  assert.equal(outcome(await xcopy(makeCtx(lu, xcopyCdb(beyond.length), beyond))), 'a/00/00');
  const unknown = paramList(1, 2, [targetDesc(Buffer.from('60014050000000000000000000000000', 'hex'))], [segB2b(0, 0, 1, 0, 1)]);
  assert.equal(outcome(await xcopy(makeCtx(lu, xcopyCdb(unknown.length), unknown))), 'a/0d/02');
  assert.equal(outcome(rcr(makeCtx(lu, rcrCdb(0, 1)))), INVALID_CDB, 'LIST ID USAGE 10b holds nothing');
  const held = paramList(7, 0, [targetDesc(naa)], [segB2b(0, 0, 2048, 0, 8191)]);
  await xcopy(makeCtx(lu, xcopyCdb(held.length), held));
  const st = rcr(makeCtx(lu, rcrCdb(0, 7)));
  assert.equal(st.dataIn![4], 0x02, 'failed copy reported as completed with errors');
});

test('RECEIVE COPY RESULTS OPERATING PARAMETERS reports the copy manager limits', () => {
  const { lu, rcr } = setup();
  const r = rcr(makeCtx(lu, rcrCdb(3, 0)));
  assert.equal(outcome(r), 'GOOD');
  const d = r.dataIn!;
  assert.equal(d.readUInt32BE(0), d.length - 4);
  assert.equal(d.readUInt16BE(8), XCOPY_LIMITS.maxTargetDescriptors);
  assert.equal(d.readUInt16BE(10), XCOPY_LIMITS.maxSegmentDescriptors);
  assert.equal(d.readUInt32BE(12), XCOPY_LIMITS.maxDescriptorListLength);
  assert.equal(d.readUInt32BE(16), XCOPY_LIMITS.maxSegmentBytes);
  assert.deepEqual([...d.subarray(44, 44 + d[43]!)], [0x02, 0x0a, 0xe4]);
  assert.equal(outcome(rcr(makeCtx(lu, rcrCdb(1, 0)))), INVALID_CDB);
  assert.equal(rcr(makeCtx(lu, rcrCdb(3, 0, 10))).dataIn!.length, 10);
});
