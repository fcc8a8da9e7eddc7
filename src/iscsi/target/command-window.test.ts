import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CommandWindow } from './command-window.js';

test('in-order commands are delivered at once and advance ExpCmdSN', () => {
  const w = new CommandWindow<string>(10, 128);
  assert.deepEqual(w.submit(10, false, 'a'), { kind: 'deliver', items: ['a'] });
  assert.equal(w.expCmdSN, 11);
  assert.equal(w.maxCmdSN, 11 + 127);
});

test('an out-of-order arrival is held until the gap fills, then both go in CmdSN order', () => {
  const w = new CommandWindow<string>(1);
  assert.deepEqual(w.submit(3, false, 'c'), { kind: 'held' });
  assert.deepEqual(w.submit(2, false, 'b'), { kind: 'held' });
  assert.deepEqual(w.submit(1, false, 'a'), { kind: 'deliver', items: ['a', 'b', 'c'] });
  assert.equal(w.expCmdSN, 4);
});

test('commands outside [ExpCmdSN, MaxCmdSN] and duplicates are dropped silently (RFC 7143 §4.2.2.1)', () => {
  const w = new CommandWindow<string>(100, 4);
  assert.equal(w.submit(99, false, 'old').kind, 'dropped');
  assert.equal(w.submit(104, false, 'beyond').kind, 'dropped');
  assert.equal(w.submit(103, false, 'edge').kind, 'held');
  assert.equal(w.submit(103, false, 'dup').kind, 'dropped');
  assert.equal(w.submit(100, false, 'now').kind, 'deliver');
  assert.equal(w.submit(100, false, 'again').kind, 'dropped');
});

test('immediate commands are delivered without advancing ExpCmdSN', () => {
  const w = new CommandWindow<string>(5);
  assert.deepEqual(w.submit(5, true, 'i'), { kind: 'deliver', items: ['i'] });
  assert.equal(w.expCmdSN, 5);
});

test('the window works across the 2^32 wrap', () => {
  const w = new CommandWindow<number>(0xfffffffe);
  assert.equal(w.submit(0, false, 3).kind, 'held');
  assert.equal(w.submit(0xffffffff, false, 2).kind, 'held');
  assert.deepEqual(w.submit(0xfffffffe, false, 1), { kind: 'deliver', items: [1, 2, 3] });
  assert.equal(w.expCmdSN, 1);
});

test('property: any arrival order of a window of commands is delivered in CmdSN order', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 60 }).chain((n) => fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n })), (start, order) => {
      const w = new CommandWindow<number>(start, 64);
      const out: number[] = [];
      for (const i of order) {
        const v = w.submit((start + i) >>> 0, false, i);
        if (v.kind === 'deliver') out.push(...v.items);
        assert.notEqual(v.kind, 'dropped');
      }
      assert.deepEqual(out, [...order].sort((a, b) => a - b));
      assert.equal(w.heldCount, 0);
    }),
  );
});
