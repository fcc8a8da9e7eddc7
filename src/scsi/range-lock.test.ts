import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { RangeLock } from './range-lock.js';

test('overlapping ranges run one at a time, disjoint ones together', async () => {
  const lock = new RangeLock();
  const log: string[] = [];
  let releaseA!: () => void;
  const a = lock.withRange(0, 8, () => new Promise<void>((r) => (releaseA = () => { log.push('a-end'); r(); })).then(() => undefined));
  const b = lock.withRange(4, 8, async () => void log.push('b'));
  const c = lock.withRange(100, 8, async () => void log.push('c'));
  await c;
  assert.deepEqual(log, ['c']);
  releaseA();
  await Promise.all([a, b]);
  assert.deepEqual(log, ['c', 'a-end', 'b']);
  assert.equal(lock.activity, 0);
});

test('property: no two overlapping holders at the same time', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(fc.nat(50), fc.integer({ min: 0, max: 10 })), { minLength: 1, maxLength: 20 }), async (spans) => {
      const lock = new RangeLock();
      const active: Array<[number, number]> = [];
      let violated = false;
      await Promise.all(
        spans.map(([lba, n]) =>
          lock.withRange(lba, n, async () => {
            const me: [number, number] = [lba, lba + Math.max(1, n)];
            if (active.some(([s, e]) => s < me[1] && me[0] < e)) violated = true;
            active.push(me);
            await new Promise((r) => setImmediate(r));
            active.splice(active.indexOf(me), 1);
          }),
        ),
      );
      return !violated && lock.activity === 0;
    }),
    { numRuns: 50 },
  );
});
