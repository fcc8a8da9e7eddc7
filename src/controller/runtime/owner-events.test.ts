// Nexus events waiting for the owner (owner-events.ts): per volume, in order, one
// nexus-lost per nexus, bounded.
import test from 'node:test';
import assert from 'node:assert/strict';
import { MAX_PENDING_OWNER_EVENTS, OwnerEvents } from './owner-events.js';

test('events wait per volume in order; take empties a volume, takeAll every one', () => {
  const e = new OwnerEvents();
  e.add('v1', { kind: 'nexus-lost', nexusId: 'n1' });
  e.add('v1', { kind: 'reset' });
  e.add('v1', { kind: 'nexus-lost', nexusId: 'n1' });
  e.add('v2', { kind: 'reset' });
  assert.equal(e.size, 3, 'the same nexus lost twice waits once');
  assert.deepEqual(e.take('v1'), [{ kind: 'nexus-lost', nexusId: 'n1' }, { kind: 'reset' }]);
  assert.deepEqual(e.take('v1'), []);
  assert.deepEqual(e.takeAll(), [['v2', [{ kind: 'reset' }]]]);
  assert.equal(e.size, 0);
});

test('past the bound the oldest go', () => {
  const e = new OwnerEvents();
  for (let i = 0; i < MAX_PENDING_OWNER_EVENTS + 5; i++) e.add('v', { kind: 'nexus-lost', nexusId: `n${i}` });
  const list = e.take('v');
  assert.equal(list.length, MAX_PENDING_OWNER_EVENTS);
  assert.deepEqual(list[0], { kind: 'nexus-lost', nexusId: 'n5' });
});
