import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '../lib/errors.js';
import { checkFailoverMode, checkFaultRequest, checkPolicyPatch, DEFAULT_CLUSTER_POLICY, FAILOVER_MODES, isFailoverMode } from './index.js';

const isValidation = (field: string, msg?: RegExp) => (e: unknown) =>
  e instanceof ValidationError && e.field === field && (msg === undefined || msg.test(e.message));

test('table has exactly modes 0..4 and each row names its mode', () => {
  assert.deepEqual(Object.keys(FAILOVER_MODES), ['0', '1', '2', '3', '4']);
  for (const [k, row] of Object.entries(FAILOVER_MODES)) assert.equal(String(row.mode), k);
  assert.ok(isFailoverMode(4) && !isFailoverMode(5) && !isFailoverMode('4'));
});

test('checkFailoverMode accepts exactly 0..4', () => {
  for (const m of [0, 1, 2, 3, 4]) assert.equal(checkFailoverMode(m), m);
  assert.throws(() => checkFailoverMode('4'), isValidation('failoverMode'));
  assert.throws(() => checkFailoverMode(5, 'defaultFailoverMode'), isValidation('defaultFailoverMode'));
});

test('policy changes are checked field by field and against the current policy', () => {
  const cur = { ...DEFAULT_CLUSTER_POLICY };
  assert.deepEqual(checkPolicyPatch(cur, { failback: 'auto', failbackDelayMs: 5000, extra: undefined }), { failback: 'auto', failbackDelayMs: 5000 });
  assert.throws(() => checkPolicyPatch(cur, { failback: 'sometimes' }), isValidation('failback', /'manual' or 'auto'/));
  assert.throws(() => checkPolicyPatch(cur, { nonOwnerState: 'unavailable' }), isValidation('nonOwnerState'));
  assert.throws(() => checkPolicyPatch(cur, { aluaTrespassThreshold: 0 }), isValidation('aluaTrespassThreshold', /from 1 to/));
  assert.throws(() => checkPolicyPatch(cur, { failbackDelayMs: -1 }), isValidation('failbackDelayMs'));
  assert.throws(() => checkPolicyPatch(cur, { defaultFailoverMode: 9 }), isValidation('defaultFailoverMode'));
  assert.throws(() => checkPolicyPatch(cur, { colour: 'red' }), isValidation('colour', /unknown policy field/));
  assert.throws(() => checkPolicyPatch(cur, { heartbeatTimeoutMs: 150 }), isValidation('heartbeatTimeoutMs', /at least twice heartbeatIntervalMs \(100\)/));
  assert.throws(() => checkPolicyPatch(cur, { heartbeatIntervalMs: 400 }), isValidation('heartbeatIntervalMs'));
  assert.deepEqual(checkPolicyPatch(cur, { heartbeatIntervalMs: 400, heartbeatTimeoutMs: 800 }), { heartbeatIntervalMs: 400, heartbeatTimeoutMs: 800 });
});

test('fault requests: each kind needs its fields and refuses the others', () => {
  assert.deepEqual(checkFaultRequest({ kind: 'kill-controller', controller: 'B' }), { kind: 'kill-controller', controller: 'B' });
  assert.deepEqual(checkFaultRequest({ kind: 'port-down', port: 'A0' }), { kind: 'port-down', port: 'A0' });
  assert.deepEqual(checkFaultRequest({ kind: 'peer-link-cut' }), { kind: 'peer-link-cut' });
  assert.deepEqual(checkFaultRequest({ kind: 'backend-fail', controller: 'A', volume: 'v1' }), { kind: 'backend-fail', controller: 'A', volume: 'v1' });
  assert.deepEqual(checkFaultRequest({ kind: 'backend-repair', controller: 'A' }), { kind: 'backend-repair', controller: 'A' });
  assert.throws(() => checkFaultRequest({ kind: 'kill-controller' }), isValidation('controller', /needs controller/));
  assert.throws(() => checkFaultRequest({ kind: 'port-up' }), isValidation('port'));
  assert.throws(() => checkFaultRequest({ kind: 'peer-link-cut', controller: 'A' }), isValidation('controller', /takes no controller/));
  assert.throws(() => checkFaultRequest({ kind: 'kill-controller', controller: 'A', volume: 'v' }), isValidation('volume'));
  assert.throws(() => checkFaultRequest({ kind: 'meteor' }), isValidation('kind', /kill-controller, hang-controller, port-down/));
  assert.deepEqual(checkFaultRequest({ kind: 'hang-controller', controller: 'B' }), { kind: 'hang-controller', controller: 'B' });
});
