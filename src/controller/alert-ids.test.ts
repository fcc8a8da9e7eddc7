// The alert-id registry: ids built by alertId() read back by parseAlertId(), and each
// kind's operator action as the supervisor raises it. Prevents an alert raised by a
// controller's failover machine arriving without the action that resolves it.
import test from 'node:test';
import assert from 'node:assert/strict';
import { ALERT_KINDS, alertAction, alertId, parseAlertId, type AlertKind } from './alert-ids.js';
import { alertIds } from './failover-machine.js';

test('every kind round-trips through alertId and parseAlertId', () => {
  for (const kind of Object.keys(ALERT_KINDS) as AlertKind[]) assert.deepEqual(parseAlertId(alertId(kind, 'B')), { kind, controller: 'B' });
  assert.equal(alertId('controller-failed', 'B'), 'controller-failed:B');
  assert.equal(parseAlertId('controller-failed'), undefined, 'no controller');
  assert.equal(parseAlertId('disk-full:B'), undefined, 'not one of ours');
  assert.deepEqual(alertIds('B'), { linkLost: 'peer-link-lost:B', failed: 'controller-failed:B', fenceFailed: 'fence-failed:B' });
});

test('the operator action of each kind', () => {
  assert.equal(alertAction('controller-failed:B'), 'run: tandem controller enable B');
  assert.equal(alertAction('peer-link-lost:A'), 'check the interconnect between the controllers (tandem fault peer-link-restore if it was injected)');
  assert.equal(alertAction('fence-failed:A'), 'stop controller A by hand (kill its process), then run: tandem controller enable A');
  assert.equal(alertAction('controller-failback-needed:A'), 'run: tandem controller failback A');
  assert.equal(alertAction('controller-port-failover:A', ['A0']), 'repair the link of port A0 (drill: tandem fault port-up A0)');
  assert.equal(alertAction('controller-port-failover:A', ['A0', 'A1']), 'repair the link of ports A0, A1 (drill: tandem fault port-up A0; tandem fault port-up A1)');
  assert.equal(alertAction('something-else:A'), 'see tandem events');
});
