import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConflictError } from '../lib/errors.js';
import type { LeaseRecord } from '../store/lease-repo.js';
import { waitForPreviousControllers } from './previous-controllers.js';

/** A lease table and a clock the test moves; `renewer` renews some leases on every poll like a live controller. */
function world(leases: LeaseRecord[], renewer: (now: number, l: LeaseRecord) => LeaseRecord = (_n, l) => l) {
  let now = 10_000;
  let rows = leases;
  return {
    deps: {
      leases: { list: () => rows },
      leaseMs: 800,
      now: () => now,
      sleep: async (ms: number) => {
        now += ms;
        rows = rows.map((l) => renewer(now, l));
      },
    },
    elapsed: () => now - 10_000,
  };
}
const lease = (name: string, renewedAt: number, expiresAt: number): LeaseRecord => ({ name, epoch: 3, renewedAt, expiresAt, holder: `pid:${name === 'A' ? 111 : 222}` });

test('no valid lease: nothing to wait for', async () => {
  const w = world([lease('A', 1000, 1800), lease('B', 9000, 9800)]);
  assert.deepEqual(await waitForPreviousControllers(w.deps), { expired: [], waitedMs: 0 });
  assert.equal(w.elapsed(), 0);
});

test('an orphan that stopped renewing: waits until its lease runs out, then goes on', async () => {
  const w = world([lease('A', 9900, 10_700), lease('B', 5000, 5800)]);
  const r = await waitForPreviousControllers(w.deps);
  assert.deepEqual(r.expired.map((l) => l.name), ['A']);
  assert.ok(r.waitedMs >= 700 && r.waitedMs <= 750, String(r.waitedMs));
});

test('a controller that keeps renewing is a live array: refused, naming the holder, after two lease periods at most', async () => {
  const w = world([lease('A', 9900, 10_700), lease('B', 9950, 10_750)], (now, l) => (l.name === 'B' ? { ...l, renewedAt: now, expiresAt: now + 800 } : l));
  await assert.rejects(waitForPreviousControllers(w.deps), (e: unknown) =>
    e instanceof ConflictError && /another array is running on this data directory without holding its lock: controller B \(lease holder pid:222, epoch 3\) keeps renewing/.test(e.message));
  assert.ok(w.elapsed() <= 1600 + 50, String(w.elapsed()));
});
