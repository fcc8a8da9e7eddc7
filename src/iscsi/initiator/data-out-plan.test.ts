// Write planning: immediate + unsolicited up to FirstBurstLength, R2T slices ≤ target MRDSL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { planR2T, planUnsolicited, unsolicitedBytes } from './data-out-plan.js';

const p = { immediateData: true, initialR2T: false, firstBurstLength: 65536, peerMaxRecvDataSegmentLength: 8192 };

test('ImmediateData + InitialR2T=No: 8 KiB immediate, then Data-Out to 64 KiB, F on the last', () => {
  const plan = planUnsolicited(1 << 20, p);
  assert.equal(plan.immediate, 8192);
  assert.equal(plan.commandFinal, false);
  assert.deepEqual(plan.unsolicited.map((s) => [s.offset, s.length, s.dataSN]), [1, 2, 3, 4, 5, 6, 7].map((i) => [i * 8192, 8192, i - 1]));
  assert.deepEqual(plan.unsolicited.map((s) => s.final), [false, false, false, false, false, false, true]);
});

test('InitialR2T=Yes, ImmediateData=No: nothing unsolicited, F=1 on the command', () => {
  const plan = planUnsolicited(1 << 20, { ...p, immediateData: false, initialR2T: true });
  assert.deepEqual(plan, { immediate: 0, unsolicited: [], commandFinal: true });
});

test('small write fits in the command PDU', () => {
  assert.deepEqual(planUnsolicited(4096, p), { immediate: 4096, unsolicited: [], commandFinal: true });
});

test('R2T: slices of the target MRDSL, DataSN from 0, clipped to the buffer', () => {
  const s = planR2T(65536, 20000, 1 << 20, 8192);
  assert.deepEqual(s.map((x) => [x.offset, x.length, x.dataSN, x.final]), [[65536, 8192, 0, false], [73728, 8192, 1, false], [81920, 3616, 2, true]]);
  assert.deepEqual(planR2T(4096, 8192, 8192, 8192).map((x) => x.length), [4096]);
  assert.deepEqual(planR2T(9000, 100, 8192, 8192), []);
});

test('property: unsolicited + R2T coverage is exact and every PDU respects the limits', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 1 << 22 }), fc.boolean(), fc.boolean(), fc.integer({ min: 512, max: 1 << 18 }), fc.integer({ min: 512, max: 1 << 18 }), fc.integer({ min: 512, max: 1 << 20 }),
    (total, imm, ir2t, fbl, mrdsl, burst) => {
      const q = { immediateData: imm, initialR2T: ir2t, firstBurstLength: fbl, peerMaxRecvDataSegmentLength: mrdsl };
      const plan = planUnsolicited(total, q);
      const covered = new Uint8Array(0);
      let pos = 0;
      assert.ok(plan.immediate <= mrdsl && plan.immediate <= fbl);
      pos = plan.immediate;
      for (const s of plan.unsolicited) {
        assert.equal(s.offset, pos);
        assert.ok(s.length > 0 && s.length <= mrdsl);
        pos += s.length;
      }
      assert.ok(pos <= Math.min(total, fbl));
      assert.equal(pos, unsolicitedBytes(total, q));
      // target asks for the rest in bursts
      for (let off = pos; off < total; off += burst) {
        const sl = planR2T(off, burst, total, mrdsl);
        let o = off;
        for (const s of sl) {
          assert.equal(s.offset, o);
          assert.ok(s.length <= mrdsl);
          o += s.length;
        }
        assert.equal(o, Math.min(total, off + burst));
        assert.equal(sl.at(-1)!.final, true);
      }
      void covered;
    }), { numRuns: 200 });
});
