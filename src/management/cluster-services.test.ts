// The cluster vocabulary (src/cluster/) as the control-plane services and the fake
// ClusterControl use it: a host's failover mode, and findController/findPort over the fake.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../store/store.js';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors.js';
import { findController, findPort } from '../cluster/index.js';
import { createControlServices } from './index.js';
import { FakeDataPlane } from './test-support/fake-data-plane.js';
import { FakeClusterControl } from './test-support/fake-cluster.js';

const isValidation = (field: string, msg?: RegExp) => (e: unknown) =>
  e instanceof ValidationError && e.field === field && (msg === undefined || msg.test(e.message));

test('host failover mode: 0..4 or null; the message lists the modes; an event names old and new', () => {
  const store = Store.openFile(':memory:');
  const dp = new FakeDataPlane();
  const s = createControlServices(store, dp, { volumeDir: '/vols' });
  s.hosts.create({ name: 'esx1' }, 'cli');
  dp.calls.length = 0;
  assert.equal(s.hosts.setFailoverMode('esx1', 1, 'cli').failoverMode, 1);
  assert.equal(s.hosts.get('esx1').failoverMode, 1, 'persisted');
  assert.deepEqual(dp.calls, ['access'], 'the data plane hears of the change');
  s.hosts.setFailoverMode('esx1', 1, 'cli');
  assert.deepEqual(dp.calls, ['access'], 'no change, no event, no call');
  const e = s.events.query({ limit: 1 })[0]!;
  assert.equal(e.short, 'failover mode of host esx1 set to 1 passive not ready by cli');
  assert.equal(e.long, 'was: the array default');
  assert.equal(s.hosts.setFailoverMode('esx1', null, 'cli').failoverMode, null);
  for (const bad of [5, -1, 1.5, Number.NaN]) {
    assert.throws(() => s.hosts.setFailoverMode('esx1', bad, 'cli'),
      isValidation('failoverMode', /0 auto-trespass, 1 passive not ready, 2 DMP, 3 passive always ready, 4 ALUA/));
  }
  assert.throws(() => s.hosts.setFailoverMode('ghost', 4, 'cli'), NotFoundError);
  const u = s.hosts.update('esx1', { name: 'esx9', failoverMode: 4 }, 'cli');
  assert.deepEqual([u.name, u.failoverMode], ['esx9', 4]);
  assert.throws(() => s.hosts.update('esx9', {}, 'cli'), isValidation('name', /nothing to change/));
  // a bad mode changes nothing, not even the name
  assert.throws(() => s.hosts.update('esx9', { name: 'esx10', failoverMode: 7 }, 'cli'), isValidation('failoverMode'));
  assert.equal(s.hosts.get('esx9').failoverMode, 4);
  store.close();
});

test('fake cluster: takeover on kill, 409 for a dead target, enable clears the alert, failback policy', async () => {
  const store = Store.openFile(':memory:');
  const s = createControlServices(store, new FakeDataPlane(), { volumeDir: '/vols' });
  const c = new FakeClusterControl({ alerts: s.alerts });
  c.addVolume('v1', 'A');
  c.addVolume('v2', 'B');
  assert.equal(c.volumeOwnership('v3').preferredOwner, 'A', 'new volumes go to the less loaded controller');
  assert.equal(findController(c, 'B').ports[0]!.address, '127.0.2.1:3260');
  assert.throws(() => findController(c, 'C'), /controller 'C' does not exist: this array has controllers A, B/);
  assert.throws(() => findPort(c, 'C0'), /port 'C0' does not exist: this array has ports A0, A1, B0, B1/);
  assert.match(await c.fault({ kind: 'kill-controller', controller: 'B' }, 'cli'), /controller B killed \(SIGKILL to pid \d+\); A took over/);
  assert.deepEqual(findController(c, 'A').volumesOwned, ['v1', 'v2', 'v3']);
  assert.deepEqual(findController(c, 'B').ports.map((p) => p.servedBy), ['A', 'A']);
  assert.equal(s.alerts.list({ open: true })[0]?.key, 'controller-failed:B');
  await assert.rejects(c.trespass('v2', 'B', 'cli'), ConflictError);
  await assert.rejects(c.disableController('A', 'cli'), /would leave no controller/);
  await assert.rejects(c.fault({ kind: 'kill-controller', controller: 'B' }, 'cli'), ConflictError);
  await c.enableController('B', 'cli');
  assert.equal(s.alerts.list({ open: true }).length, 0);
  assert.equal(c.volumeOwnership('v2').currentOwner, 'A', 'manual failback: stays on the survivor');
  assert.deepEqual(await c.trespass('v2', undefined, 'cli'), { from: 'A', to: 'B' });
  store.close();
});
