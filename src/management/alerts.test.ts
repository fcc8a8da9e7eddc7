import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../store/store.js';
import { NotFoundError, ValidationError } from '../lib/errors.js';
import { createControlServices } from './index.js';
import { FakeDataPlane } from './test-support/fake-data-plane.js';

function setup() {
  let t = Date.parse('2026-11-23T10:00:00Z');
  const now = () => new Date(t);
  const store = Store.openFile(':memory:');
  const s = createControlServices(store, new FakeDataPlane(), { volumeDir: '/vols', now });
  return { store, s, tick: (ms: number) => { t += ms; } };
}

const FAILED_B = { short: 'controller B failed: waiting for operator enable', long: 'heartbeat lost on peer link', action: 'run: tandem controller enable B' };

test('raise is idempotent while the alert is open; clear closes it; a later raise opens a new one', () => {
  const { s, store, tick } = setup();
  const a = s.alerts.raise('controller-failed:B', FAILED_B, 'controller A');
  assert.equal(a.severity, 'error');
  assert.equal(a.clearedAt, null);
  assert.equal(a.raisedAt, '2026-11-23T10:00:00.000Z');
  tick(1000);
  const again = s.alerts.raise('controller-failed:B', { ...FAILED_B, short: 'different words' }, 'controller A');
  assert.deepEqual(again, a, 'the open alert is returned unchanged');
  assert.equal(s.alerts.list({ open: true }).length, 1);
  const raisedEvents = s.events.query({}).filter((e) => e.category === 'alert');
  assert.equal(raisedEvents.length, 1, 'one event per opening, not per raise');
  assert.equal(raisedEvents[0]!.short, 'alert raised: controller B failed: waiting for operator enable');
  assert.match(raisedEvents[0]!.long!, /heartbeat lost on peer link\nAction: run: tandem controller enable B/);
  assert.equal(raisedEvents[0]!.severity, 'error');

  const cleared = s.alerts.clear('controller-failed:B', 'cli');
  assert.equal(cleared?.clearedAt, '2026-11-23T10:00:01.000Z');
  assert.equal(s.alerts.clear('controller-failed:B', 'cli'), undefined, 'nothing open to clear');
  assert.equal(s.alerts.isOpen('controller-failed:B'), false);
  assert.equal(s.alerts.list({ open: true }).length, 0);
  const b = s.alerts.raise('controller-failed:B', FAILED_B);
  assert.notEqual(b.id, a.id);
  assert.deepEqual(s.alerts.list().map((x) => x.id), [b.id, a.id], 'newest first, cleared ones included');
  assert.match(s.events.query({ limit: 2 })[1]!.short, /^alert cleared by cli: controller B failed/);
  store.close();
});

test('clearById: 404 for an unknown id, idempotent on a cleared alert', () => {
  const { s } = setup();
  const a = s.alerts.raise('port-down:A0', { severity: 'warning', short: 'port A0 link down', action: 'check the cable of A0' });
  assert.throws(() => s.alerts.clearById(999, 'cli'), NotFoundError);
  const c = s.alerts.clearById(a.id, 'cli');
  assert.notEqual(c.clearedAt, null);
  assert.deepEqual(s.alerts.clearById(a.id, 'cli'), c);
});

test('raise validates the key, the short text and the action', () => {
  const { s } = setup();
  assert.throws(() => s.alerts.raise('', FAILED_B), (e: unknown) => e instanceof ValidationError && e.field === 'key');
  assert.throws(() => s.alerts.raise('has space', FAILED_B), (e: unknown) => e instanceof ValidationError && e.field === 'key');
  assert.throws(() => s.alerts.raise('k', { ...FAILED_B, short: ' ' }), (e: unknown) => e instanceof ValidationError && e.field === 'short');
  assert.throws(() => s.alerts.raise('k', { ...FAILED_B, action: '' }), (e: unknown) => e instanceof ValidationError && e.field === 'action');
});

// Prevents: two processes (supervisor and a controller) opening the same alert twice.
test('the store keeps at most one open alert per key', () => {
  const { store } = setup();
  const rec = { raisedAt: 'now', severity: 'error' as const, key: 'k', short: 's', long: null, action: 'a' };
  const a = store.alerts.insert(rec);
  assert.throws(() => store.alerts.insert(rec), /UNIQUE/);
  store.alerts.clear(a.id, 'later');
  store.alerts.insert(rec);
  assert.equal(store.alerts.list().length, 2);
  assert.equal(store.alerts.list({ open: true }).length, 1);
});
