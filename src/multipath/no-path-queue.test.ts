import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../lib/clock.js';
import { createLogger } from '../lib/logger.js';
import { NoPathQueue } from './no-path-queue.js';

const logger = createLogger({ level: 'silent' });
const queue = (noPathRetryMs: number, clock = new ManualClock()) => ({ clock, q: new NoPathQueue({ name: 'tandem0', noPathRetryMs, clock, logger }) });
const settled = async (p: Promise<void>): Promise<string> => Promise.race([p.then(() => 'resolved', (e: Error) => `rejected: ${e.message}`), new Promise<string>((r) => setImmediate(() => r('pending')))]);

test('a waiting command is woken when a path comes alive', async () => {
  const { q } = queue(1000);
  const w = q.wait(false, () => q.noPath());
  assert.equal(q.queued, 1);
  q.pathAlive();
  assert.equal(await settled(w), 'resolved');
  assert.equal(q.queued, 0);
});

test('no_path_retry: after noPathRetryMs without a path every waiter fails and new commands fail fast until a path is alive', async () => {
  const { q, clock } = queue(1000);
  const w = q.wait(false, () => q.noPath());
  clock.advance(999);
  assert.equal(await settled(w), 'pending');
  clock.advance(1);
  assert.match(await settled(w), /^rejected: tandem0: no usable path \(all paths dead or in standby for 1000 ms\)$/);
  assert.equal(q.failingFast, true);
  assert.match(await settled(q.wait(false, () => q.noPath())), /^rejected: tandem0: no usable path$/);
  q.pathAlive();
  assert.equal(q.failingFast, false);
});

test('a transitioning path holds commands without a deadline, even while failing fast', async () => {
  const { q, clock } = queue(1000);
  const w = q.wait(false, () => q.noPath());
  q.pathTransitioning();
  clock.advance(10_000);
  assert.equal(await settled(w), 'pending');
  q.noPath();
  clock.advance(1000);
  assert.match(await settled(w), /^rejected/);
  const held = q.wait(true, () => q.pathTransitioning());
  assert.equal(await settled(held), 'pending');
  q.close();
  assert.match(await settled(held), /^rejected: tandem0 is closed$/);
});

test('noPathRetryMs 0 fails at once; Infinity queues forever', async () => {
  const zero = queue(0).q;
  assert.match(await settled(zero.wait(false, () => zero.noPath())), /^rejected/);
  const { q, clock } = queue(Infinity);
  const w = q.wait(false, () => q.noPath());
  clock.advance(1e9);
  assert.equal(await settled(w), 'pending');
});
