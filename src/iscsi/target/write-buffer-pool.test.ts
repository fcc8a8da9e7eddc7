import { test } from 'node:test';
import assert from 'node:assert/strict';
import { POOLED_MIN, WriteBufferPool } from './write-buffer-pool.js';

test('a buffer given back is handed out again for the same size only', () => {
  const p = new WriteBufferPool();
  const a = p.take(1 << 20);
  assert.equal(a.length, 1 << 20);
  p.give(a);
  assert.equal(p.heldBytes, 1 << 20);
  assert.notEqual(p.take(512 * 1024), a);
  assert.equal(p.take(1 << 20), a);
  assert.equal(p.heldBytes, 0);
  assert.notEqual(p.take(1 << 20), a);
});

test('small buffers and views are never pooled; the pool is bounded', () => {
  const p = new WriteBufferPool();
  p.give(Buffer.alloc(POOLED_MIN - 512));
  p.give(Buffer.alloc(2 * POOLED_MIN).subarray(0, POOLED_MIN));
  assert.equal(p.heldBytes, 0);
  for (let i = 0; i < 100; i++) p.give(Buffer.allocUnsafeSlow(POOLED_MIN));
  assert.ok(p.heldBytes <= 8 * POOLED_MIN);
});

test('adopt returns the whole lent buffer for a view of its start, and nothing for anything else', () => {
  const p = new WriteBufferPool();
  const b = p.take(4 * POOLED_MIN);
  const head = b.subarray(0, POOLED_MIN);
  const whole = p.adopt(head, 4 * POOLED_MIN)!;
  assert.equal(whole.buffer, b.buffer);
  assert.equal(whole.length, 4 * POOLED_MIN);
  assert.equal(p.adopt(head, 2 * POOLED_MIN), undefined); // wrong size
  assert.equal(p.adopt(b.subarray(16, 16 + POOLED_MIN), 4 * POOLED_MIN), undefined); // not the start
  assert.equal(p.adopt(Buffer.allocUnsafeSlow(4 * POOLED_MIN).subarray(0, 10), 4 * POOLED_MIN), undefined); // not ours
});
