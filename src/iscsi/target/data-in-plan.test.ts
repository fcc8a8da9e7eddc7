import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { computeResidual, planDataIn, readOutcome } from './data-in-plan.js';

test('Data-In is split by MaxRecvDataSegmentLength with F at each MaxBurstLength boundary', () => {
  const s = planDataIn(20000, 8192, 16384);
  assert.deepEqual(s, [
    { offset: 0, length: 8192, final: false },
    { offset: 8192, length: 8192, final: true },
    { offset: 16384, length: 3616, final: true },
  ]);
});

test('property: slices tile the transfer, respect both limits, and the last is final', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1 << 22 }), fc.integer({ min: 512, max: 1 << 18 }), fc.integer({ min: 512, max: 1 << 20 }), (total, mrdsl, burst) => {
      const s = planDataIn(total, mrdsl, burst);
      let off = 0;
      let seq = 0;
      for (const sl of s) {
        assert.equal(sl.offset, off);
        assert.ok(sl.length > 0 && sl.length <= mrdsl);
        seq += sl.length;
        assert.ok(seq <= Math.max(burst, mrdsl));
        if (sl.final) seq = 0;
        off += sl.length;
      }
      assert.equal(off, total);
      assert.equal(s[s.length - 1]!.final, true);
    }),
  );
});

test('residuals follow RFC 7143 §11.4.5.1', () => {
  assert.deepEqual(computeResidual(0, 512), { overflow: true, underflow: false, residualCount: 512 });
  assert.deepEqual(computeResidual(10000, 512), { overflow: false, underflow: true, residualCount: 9488 });
  assert.deepEqual(computeResidual(512, 512), { overflow: false, underflow: false, residualCount: 0 });
});

test('reads are truncated to EDTL with overflow; short data is underflow', () => {
  const data = Buffer.alloc(512, 1);
  const o = readOutcome(200, data, 512);
  assert.equal(o.data!.length, 200);
  assert.deepEqual(o.residual, { overflow: true, underflow: false, residualCount: 312 });
  const u = readOutcome(255, Buffer.alloc(36), 36);
  assert.equal(u.data!.length, 36);
  assert.deepEqual(u.residual, { overflow: false, underflow: true, residualCount: 219 });
  const z = readOutcome(0, data, 512);
  assert.equal(z.data!.length, 0);
  assert.equal(z.residual.residualCount, 512);
});
