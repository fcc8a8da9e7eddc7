import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UNSOLICITED_TTT, WriteTransfer, type WriteParams } from './write-transfer.js';

const P: WriteParams = { firstBurstLength: 8192, maxBurstLength: 16384, maxOutstandingR2T: 2, initialR2T: false, immediateData: true };
const ttts = (): (() => number) => {
  let n = 100;
  return () => n++;
};

test('immediate data covering EDTL completes without R2T and without a copy', () => {
  const imm = Buffer.alloc(4096, 7);
  const w = new WriteTransfer(4096, imm, true, P);
  assert.equal(w.error, undefined);
  assert.equal(w.complete, true);
  assert.equal(w.data, imm);
  assert.deepEqual(w.nextR2Ts(ttts()), []);
});

test('immediate + unsolicited up to FirstBurstLength, then R2Ts of MaxBurstLength, at most MaxOutstandingR2T', () => {
  const w = new WriteTransfer(50000, Buffer.alloc(1000, 1), false, P);
  assert.equal(w.error, undefined);
  const r = w.nextR2Ts(ttts());
  assert.deepEqual(r.map((x) => [x.ttt, x.r2tSN, x.bufferOffset, x.desiredDataTransferLength]), [
    [100, 0, 8192, 16384],
    [101, 1, 24576, 16384],
  ]);
  assert.deepEqual(w.onDataOut({ ttt: UNSOLICITED_TTT, dataSN: 0, bufferOffset: 1000, final: true, data: Buffer.alloc(7192, 2) }), { ok: true, complete: false });
  assert.deepEqual(w.onDataOut({ ttt: 100, dataSN: 0, bufferOffset: 8192, final: true, data: Buffer.alloc(16384, 3) }), { ok: true, complete: false });
  const more = w.nextR2Ts(ttts());
  assert.deepEqual(more.map((x) => [x.r2tSN, x.bufferOffset, x.desiredDataTransferLength]), [[2, 40960, 9040]]);
  assert.equal(w.onDataOut({ ttt: 101, dataSN: 0, bufferOffset: 24576, final: false, data: Buffer.alloc(8192, 4) }).ok, true);
  assert.equal(w.onDataOut({ ttt: 101, dataSN: 1, bufferOffset: 32768, final: true, data: Buffer.alloc(8192, 4) }).ok, true);
  assert.deepEqual(w.onDataOut({ ttt: more[0]!.ttt, dataSN: 0, bufferOffset: 40960, final: true, data: Buffer.alloc(9040, 5) }), { ok: true, complete: true });
  assert.equal(w.data.length, 50000);
  assert.equal(w.data[0], 1);
  assert.equal(w.data[1000], 2);
  assert.equal(w.data[8192], 3);
  assert.equal(w.data[49999], 5);
  assert.equal(w.r2tCount, 3);
});

test('InitialR2T=Yes: no unsolicited Data-Out; the first R2T starts after the immediate data', () => {
  const w = new WriteTransfer(10000, Buffer.alloc(512), true, { ...P, initialR2T: true });
  const r = w.nextR2Ts(ttts());
  assert.deepEqual(r.map((x) => [x.bufferOffset, x.desiredDataTransferLength]), [[512, 9488]]);
  assert.equal(w.onDataOut({ ttt: UNSOLICITED_TTT, dataSN: 0, bufferOffset: 512, final: true, data: Buffer.alloc(512) }).ok, false);
});

test('sequence errors are refused: DataSN, offset, unknown TTT, overrun', () => {
  const w = new WriteTransfer(8192, Buffer.alloc(0), true, P);
  const [r] = w.nextR2Ts(ttts());
  assert.equal(w.onDataOut({ ttt: r!.ttt, dataSN: 1, bufferOffset: 0, final: false, data: Buffer.alloc(512) }).ok, false);
  assert.equal(w.onDataOut({ ttt: r!.ttt, dataSN: 0, bufferOffset: 512, final: false, data: Buffer.alloc(512) }).ok, false);
  assert.equal(w.onDataOut({ ttt: 9999, dataSN: 0, bufferOffset: 0, final: false, data: Buffer.alloc(512) }).ok, false);
  assert.equal(w.onDataOut({ ttt: r!.ttt, dataSN: 0, bufferOffset: 0, final: false, data: Buffer.alloc(9000) }).ok, false);
  assert.equal(w.complete, false);
});

test('bad immediate data is an error value, not an exception', () => {
  assert.match(new WriteTransfer(100, Buffer.alloc(200), true, P).error ?? '', /exceeds the expected/);
  assert.match(new WriteTransfer(20000, Buffer.alloc(9000), true, P).error ?? '', /FirstBurstLength/);
  assert.match(new WriteTransfer(100, Buffer.alloc(50), true, { ...P, immediateData: false }).error ?? '', /ImmediateData=No/);
});

test('destinationFor names the spot only for the next expected Data-Out; data placed there is not copied again', () => {
  const w = new WriteTransfer(50000, Buffer.alloc(1000, 1), false, P, (n) => Buffer.alloc(n));
  assert.equal(w.allocated, true);
  const [r0] = w.nextR2Ts(ttts());
  assert.equal(w.destinationFor(UNSOLICITED_TTT, 0, 2000, 100), undefined); // wrong offset
  assert.equal(w.destinationFor(UNSOLICITED_TTT, 1, 1000, 100), undefined); // wrong DataSN
  assert.equal(w.destinationFor(UNSOLICITED_TTT, 0, 1000, 8000), undefined); // beyond FirstBurstLength
  assert.equal(w.destinationFor(0x1234, 0, 8192, 100), undefined); // unknown TTT
  const dst = w.destinationFor(UNSOLICITED_TTT, 0, 1000, 7192)!;
  assert.equal(dst.length, 7192);
  dst.fill(2);
  assert.deepEqual(w.onDataOut({ ttt: UNSOLICITED_TTT, dataSN: 0, bufferOffset: 1000, final: true, data: dst }), { ok: true, complete: false });
  assert.equal(w.received, 8192);
  const d1 = w.destinationFor(r0!.ttt, 0, 8192, 16384)!;
  assert.equal(d1.byteOffset - w.data.byteOffset, 8192);
  assert.equal(w.destinationFor(r0!.ttt, 0, 8192, 16385), undefined); // overruns the R2T
  d1.fill(3);
  assert.deepEqual(w.onDataOut({ ttt: r0!.ttt, dataSN: 0, bufferOffset: 8192, final: true, data: d1 }), { ok: true, complete: false });
  assert.equal(w.data[1000], 2);
  assert.equal(w.data[8192 + 16383], 3);
  assert.equal(w.data[999], 1);
});

test('without an allocator, or with immediate data covering EDTL, the buffer is not marked allocated', () => {
  assert.equal(new WriteTransfer(50000, Buffer.alloc(0), false, P).allocated, false);
  assert.equal(new WriteTransfer(4096, Buffer.alloc(4096), true, P, (n) => Buffer.alloc(n)).allocated, false);
});

test('an allocator may return a buffer already holding the immediate data; otherwise it is copied', () => {
  const big = Buffer.alloc(50000);
  const imm = big.subarray(0, 1000).fill(6);
  const w = new WriteTransfer(50000, imm, false, P, (n, i) => (i.buffer === big.buffer && n === big.length ? big : Buffer.alloc(n)));
  assert.equal(w.data, big);
  assert.equal(w.received, 1000);
  const other = new WriteTransfer(50000, Buffer.alloc(1000, 4), false, P, (n) => Buffer.alloc(n));
  assert.equal(other.data[999], 4);
  assert.equal(other.data[1000], 0);
});
