// CmdWindow: sending stops at MaxCmdSN, opens with updates, ignores stale/invalid pairs, wraps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CmdWindow } from './cmd-window.js';

test('window of 4: four CmdSNs, then closed until MaxCmdSN advances', () => {
  const w = new CmdWindow(10, 13);
  const got: number[] = [];
  while (w.open) got.push(w.take());
  assert.deepEqual(got, [10, 11, 12, 13]);
  assert.equal(w.current, 14, 'immediate PDUs carry the next CmdSN without taking it');
  assert.equal(w.update(12, 13), false);
  assert.equal(w.open, false);
  assert.equal(w.update(14, 15), true);
  assert.deepEqual([w.take(), w.take(), w.open], [14, 15, false]);
});

test('MaxCmdSN < ExpCmdSN - 1 is ignored (RFC 7143 §4.2.2.1); a zero window is allowed', () => {
  const w = new CmdWindow(5, 10);
  assert.equal(w.update(20, 8), false);
  assert.deepEqual(w.snapshot, { next: 5, expCmdSN: 5, maxCmdSN: 10 });
  const z = new CmdWindow(5, 4);
  assert.equal(z.open, false);
});

test('serial arithmetic across 2^32', () => {
  const w = new CmdWindow(0xfffffffe, 1);
  const got: number[] = [];
  while (w.open) got.push(w.take());
  assert.deepEqual(got, [0xfffffffe, 0xffffffff, 0, 1]);
});

test('property: never takes a CmdSN beyond the last accepted MaxCmdSN', () => {
  fc.assert(fc.property(fc.nat(0xffffffff), fc.array(fc.tuple(fc.nat(64), fc.nat(64), fc.nat(8)), { maxLength: 30 }), (start, steps) => {
    const w = new CmdWindow(start, (start + 3) >>> 0);
    let max = (start + 3) >>> 0;
    let next = start;
    for (const [ack, grow, takes] of steps) {
      const exp = (next - Math.min(ack, w.unacknowledged)) >>> 0;
      const mx = (exp + grow) >>> 0;
      w.update(exp, mx);
      if (((mx - max) | 0) > 0 && ((mx - ((exp - 1) >>> 0)) | 0) >= 0) max = mx;
      for (let i = 0; i < takes && w.open; i++) {
        const sn = w.take();
        assert.ok(((max - sn) | 0) >= 0);
        next = (sn + 1) >>> 0;
      }
    }
  }));
});
