// What one command outcome means to multipath: path errors, ALUA senses, UAs, transient and fatal answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from './classify.js';
import { check } from './test-support/fake-lun.js';
import type { ScsiOutcome } from './path-transport.js';

test('classify: path errors, ALUA senses, UAs, transient and fatal answers', () => {
  const k = (o: ScsiOutcome): string => classify(o).kind;
  assert.equal(k({ kind: 'transport-error', error: new Error('x') }), 'path-failed');
  assert.equal(k(check(2, 4, 0x0a)), 'transitioning');
  assert.equal(k(check(2, 4, 0x0b)), 'standby');
  assert.equal(k(check(2, 4, 0x0c)), 'unavailable');
  assert.equal(k(check(2, 0x3a, 0)), 'path-failed');
  assert.equal(k(check(6, 0x2a, 0x06)), 'alua-changed');
  assert.equal(k(check(6, 0x2a, 0x09)), 'capacity-changed');
  assert.equal(k(check(6, 0x29, 0x00)), 'retry');
  assert.equal(k(check(6, 0x3f, 0x0e)), 'retry');
  assert.equal(k(check(0xb, 0x47, 0)), 'retry');
  assert.equal(k(check(3, 0x11, 0)), 'fatal');
  assert.equal(k(check(5, 0x21, 0)), 'fatal');
  assert.equal(k(check(7, 0x27, 0)), 'fatal');
  assert.equal(k({ kind: 'status', status: 0x08, data: Buffer.alloc(0), residual: 0, overflow: false }), 'retry');
  assert.equal(k({ kind: 'status', status: 0x18, data: Buffer.alloc(0), residual: 0, overflow: false }), 'fatal');
});
