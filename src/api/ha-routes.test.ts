import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../store/store.js';
import { createControlServices } from '../management/index.js';
import { FakeDataPlane } from '../management/test-support/fake-data-plane.js';
import { FakeClusterControl } from '../management/test-support/fake-cluster.js';
import { FAILOVER_MODES } from '../cluster/index.js';
import { silentLogger } from '../lib/logger.js';
import { buildApp } from './app.js';
import { FAILOVER_MODE_NAMES } from './schemas.js';

const TOKEN = 'c'.repeat(64);
const auth = { authorization: `Bearer ${TOKEN}`, 'x-tandem-actor': 'cli' };
const GiB = 2 ** 30;

function makeApp(opts: { single?: boolean } = {}) {
  const store = Store.openFile(':memory:');
  const dataPlane = new FakeDataPlane();
  const services = createControlServices(store, dataPlane, { volumeDir: '/vols', defaultBacking: 'memory' });
  const cluster = new FakeClusterControl({ alerts: services.alerts });
  const app = buildApp({ services, dataPlane, token: TOKEN, logger: silentLogger(), ...(opts.single ? {} : { cluster }) });
  const call = async (method: string, url: string, payload?: object) => {
    const r = await app.inject({ method: method as 'GET', url, headers: auth, ...(payload !== undefined ? { payload } : {}) });
    return { status: r.statusCode, body: r.body ? r.json() : undefined };
  };
  return { app, store, services, cluster, call };
}

test('the failover mode table of the API matches the control plane', () => {
  assert.deepEqual(FAILOVER_MODE_NAMES, Object.fromEntries(Object.values(FAILOVER_MODES).map((r) => [r.mode, r.name])));
});

test('without a ClusterControl the HA routes answer 404 "single controller"; alerts still work', async () => {
  const { app, call } = makeApp({ single: true });
  await call('POST', '/v1/volumes', { name: 'v1', sizeBytes: GiB });
  for (const [m, u, p] of [['GET', '/v1/controllers'], ['GET', '/v1/controllers/A'], ['POST', '/v1/controllers/A/enable'],
    ['POST', '/v1/volumes/v1/trespass', {}], ['POST', '/v1/volumes/v1/move', { to: 'B' }], ['PATCH', '/v1/volumes/v1', { autoTrespass: true }],
    ['POST', '/v1/faults', { kind: 'peer-link-cut' }], ['GET', '/v1/cluster/policy'], ['PATCH', '/v1/cluster/policy', { failback: 'auto' }]] as const) {
    const r = await call(m, u, p);
    assert.equal(r.status, 404, `${m} ${u}`);
    assert.equal(r.body.error.code, 'NOT_FOUND');
    assert.match(r.body.error.message, /this array runs a single controller/);
  }
  assert.equal((await call('POST', '/v1/volumes', { name: 'v2', sizeBytes: GiB, owner: 'A' })).status, 404);
  assert.equal((await call('GET', '/v1/volumes/v2')).status, 404, 'refused before anything is created');
  const v = await call('GET', '/v1/volumes/v1');
  assert.equal(v.status, 200);
  assert.equal('currentOwner' in v.body, false, 'no owner fields on a single controller');
  assert.deepEqual((await call('GET', '/v1/alerts?open=true')).body, []);
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  for (const p of ['/v1/controllers', '/v1/controllers/{name}/enable', '/v1/volumes/{name}/trespass', '/v1/faults', '/v1/alerts', '/v1/cluster/policy']) {
    assert.ok(doc.paths[p], `openapi has ${p}`);
  }
  await app.close();
});

test('controllers: list, show, 404, disable then enable', async () => {
  const { app, call, cluster } = makeApp();
  await call('POST', '/v1/volumes', { name: 'v1', sizeBytes: GiB });
  const l = await call('GET', '/v1/controllers');
  assert.equal(l.status, 200);
  assert.deepEqual(l.body.map((c: { name: string }) => c.name), ['A', 'B']);
  assert.deepEqual(l.body[0].ports[0], { name: 'A0', address: '127.0.1.1:3260', servedBy: 'A', link: 'up' });
  assert.deepEqual(l.body[0].volumesOwned, ['v1']);
  assert.equal((await call('GET', '/v1/controllers/B')).body.state, 'online');
  const nf = await call('GET', '/v1/controllers/C');
  assert.equal(nf.status, 404);
  assert.match(nf.body.error.message, /controller 'C' does not exist: this array has controllers A, B/);
  assert.equal((await call('POST', '/v1/controllers/C/disable')).status, 404);
  const d = await call('POST', '/v1/controllers/A/disable');
  assert.equal(d.status, 200);
  assert.equal(d.body.state, 'disabled');
  assert.equal(d.body.pid, null);
  assert.deepEqual((await call('GET', '/v1/controllers/B')).body.volumesOwned, ['v1']);
  const last = await call('POST', '/v1/controllers/B/disable');
  assert.equal(last.status, 409);
  assert.match(last.body.error.message, /would leave no controller/);
  const e = await call('POST', '/v1/controllers/A/enable');
  assert.equal(e.body.state, 'online');
  await call('POST', '/v1/faults', { kind: 'backend-fail', controller: 'A' });
  const fb = await call('POST', '/v1/controllers/A/failback');
  assert.equal(fb.status, 409, 'the runtime refuses: A has no back end');
  assert.match(fb.body.error.message, /failback to A stopped at volume v1: controller A has no access to the back end/);
  assert.equal((await call('POST', '/v1/controllers/C/failback')).status, 404);
  assert.ok(cluster.calls.includes('disable A by cli') && cluster.calls.includes('enable A by cli'), 'the actor reaches the runtime');
  await app.close();
});

test('volumes: owners in GET, trespass, move, auto-trespass; 400/404/409', async () => {
  const { app, call, cluster } = makeApp();
  await call('POST', '/v1/volumes', { name: 'v1', sizeBytes: GiB });
  await call('POST', '/v1/volumes', { name: 'v2', sizeBytes: GiB });
  const vs = (await call('GET', '/v1/volumes')).body;
  assert.deepEqual(vs.map((v: { name: string; preferredOwner: string; currentOwner: string; autoTrespass: boolean }) =>
    [v.name, v.preferredOwner, v.currentOwner, v.autoTrespass]), [['v1', 'A', 'A', false], ['v2', 'B', 'B', false]]);

  let r = await call('POST', '/v1/volumes/v1/trespass', {});
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body, { volume: 'v1', from: 'A', to: 'B' });
  const bare = await app.inject({ method: 'POST', url: '/v1/volumes/v1/trespass', headers: auth });
  assert.equal(bare.statusCode, 200, 'no body at all = to the other controller');
  assert.deepEqual(bare.json(), { volume: 'v1', from: 'B', to: 'A' });
  r = await call('POST', '/v1/volumes/v1/trespass', { to: 'B' });
  r = await call('POST', '/v1/volumes/v1/trespass', { to: 'A' });
  assert.deepEqual(r.body, { volume: 'v1', from: 'B', to: 'A' });
  r = await call('GET', '/v1/volumes/v1');
  assert.equal(r.body.currentOwner, 'A');
  assert.equal((await call('POST', '/v1/volumes/ghost/trespass', {})).status, 404);
  r = await call('POST', '/v1/volumes/v1/trespass', { to: 'C' });
  assert.equal(r.status, 404);
  assert.match(r.body.error.message, /controller 'C'/);
  r = await call('POST', '/v1/volumes/v1/trespass', { to: 'B', extra: 1 });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.field, 'extra');
  cluster.setState('B', 'failed');
  r = await call('POST', '/v1/volumes/v1/trespass', { to: 'B' });
  assert.equal(r.status, 409, 'the runtime refuses a failed controller');
  assert.match(r.body.error.message, /controller B is failed: it cannot take volume v1\. Bring it back first: tandem controller enable B/);
  cluster.setState('B', 'online');

  r = await call('POST', '/v1/volumes/v1/move', {});
  assert.equal(r.status, 400);
  assert.equal(r.body.error.field, 'to');
  assert.match(r.body.error.message, /'to' is required/);
  r = await call('POST', '/v1/volumes/v1/move', { to: 'B' });
  assert.equal(r.status, 200);
  assert.deepEqual([r.body.preferredOwner, r.body.currentOwner], ['B', 'B']);
  assert.equal((await call('POST', '/v1/volumes/v1/move', { to: 'Z' })).status, 404);

  r = await call('PATCH', '/v1/volumes/v2', { autoTrespass: true });
  assert.equal(r.status, 200);
  assert.equal(r.body.autoTrespass, true);
  r = await call('PATCH', '/v1/volumes/v2', { autoTrespass: 'yes' });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.field, 'autoTrespass');
  assert.equal((await call('PATCH', '/v1/volumes/ghost', { autoTrespass: true })).status, 404);
  r = await call('POST', '/v1/volumes', { name: 'v3', sizeBytes: GiB, owner: 'B' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.deepEqual([r.body.preferredOwner, r.body.currentOwner], ['B', 'B']);
  r = await call('POST', '/v1/volumes', { name: 'v4', sizeBytes: GiB, owner: 'C' });
  assert.equal(r.status, 404);
  assert.equal((await call('GET', '/v1/volumes/v4')).status, 404, 'an unknown owner creates nothing');
  r = await call('PATCH', '/v1/volumes/v2', { writeProtected: true, autoTrespass: false });
  assert.deepEqual([r.body.writeProtected, r.body.autoTrespass], [true, false], 'old and new fields in one PATCH');
  await app.close();
});

test('faults: each kind reaches the runtime; 400 names the field; 404 for unknown names; 409 from the runtime', async () => {
  const { app, call, services } = makeApp();
  await call('POST', '/v1/volumes', { name: 'v1', sizeBytes: GiB });
  let r = await call('POST', '/v1/faults', { kind: 'kill-controller', controller: 'B' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.kind, 'kill-controller');
  assert.match(r.body.message, /controller B killed/);
  assert.equal((await call('GET', '/v1/controllers/B')).body.state, 'failed');
  assert.equal((await call('POST', '/v1/faults', { kind: 'kill-controller', controller: 'B' })).status, 409);
  assert.equal(services.alerts.list({ open: true }).length, 1);
  for (const body of [{ kind: 'port-down', port: 'A0' }, { kind: 'port-up', port: 'A0' }, { kind: 'peer-link-cut' }, { kind: 'peer-link-restore' },
    { kind: 'backend-fail', controller: 'A', volume: 'v1' }, { kind: 'backend-repair', controller: 'A' }]) {
    r = await call('POST', '/v1/faults', body);
    assert.equal(r.status, 200, `${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
  }
  const bad: Array<[object, number, string | undefined, RegExp]> = [
    [{}, 400, 'kind', /'kind' is required/],
    [{ kind: 'meteor' }, 400, 'kind', /'kind' must be one of "kill-controller"/],
    [{ kind: 'kill-controller' }, 400, 'controller', /needs controller/],
    [{ kind: 'port-down' }, 400, 'port', /needs port/],
    [{ kind: 'peer-link-cut', port: 'A0' }, 400, 'port', /takes no port/],
    [{ kind: 'kill-controller', controller: 'C' }, 404, undefined, /controller 'C' does not exist/],
    [{ kind: 'port-down', port: 'Q9' }, 404, undefined, /port 'Q9' does not exist: this array has ports A0, A1, B0, B1/],
    [{ kind: 'backend-fail', controller: 'A', volume: 'ghost' }, 404, undefined, /volume 'ghost' does not exist/],
  ];
  for (const [body, status, field, msg] of bad) {
    r = await call('POST', '/v1/faults', body);
    assert.equal(r.status, status, JSON.stringify(body));
    assert.equal(r.body.error.field, field, JSON.stringify(body));
    assert.match(r.body.error.message, msg);
  }
  await app.close();
});

test('alerts: list open/all, clear by id (404, 400)', async () => {
  const { app, call, services } = makeApp();
  services.alerts.raise('controller-failed:B', { short: 'controller B failed: waiting for operator enable', action: 'tandem controller enable B' });
  const b = services.alerts.raise('port-down:A0', { severity: 'warning', short: 'port A0 link down', action: 'check the cable' });
  let r = await call('GET', '/v1/alerts?open=true');
  assert.deepEqual(r.body.map((a: { key: string }) => a.key), ['port-down:A0', 'controller-failed:B']);
  assert.equal(r.body[1].action, 'tandem controller enable B');
  r = await call('POST', `/v1/alerts/${b.id}/clear`);
  assert.equal(r.status, 200);
  assert.notEqual(r.body.clearedAt, null);
  assert.equal((await call('GET', '/v1/alerts?open=true')).body.length, 1);
  assert.equal((await call('GET', '/v1/alerts')).body.length, 2);
  assert.equal((await call('POST', '/v1/alerts/99/clear')).status, 404);
  r = await call('POST', '/v1/alerts/x/clear');
  assert.equal(r.status, 400);
  assert.equal(r.body.error.field, 'id');
  r = await call('GET', '/v1/alerts?open=maybe');
  assert.equal(r.status, 400);
  assert.equal(r.body.error.field, 'open');
  assert.match((await call('GET', '/v1/events?limit=1')).body[0].short, /^alert cleared by cli: port A0 link down/);
  await app.close();
});

test('cluster policy: show, patch, 400 naming the field', async () => {
  const { app, call } = makeApp();
  let r = await call('GET', '/v1/cluster/policy');
  assert.deepEqual(r.body, { failback: 'manual', failbackDelayMs: 0, nonOwnerState: 'active-non-optimized', aluaTrespassThreshold: 64000,
    heartbeatIntervalMs: 100, heartbeatTimeoutMs: 600, defaultFailoverMode: 4, aluaTransitionMs: 0 });
  r = await call('PATCH', '/v1/cluster/policy', { failback: 'auto', failbackDelayMs: 2000 });
  assert.equal(r.status, 200);
  assert.equal(r.body.failback, 'auto');
  assert.equal((await call('GET', '/v1/cluster/policy')).body.failbackDelayMs, 2000);
  const bad: Array<[object, string, RegExp]> = [
    [{ failback: 'sometimes' }, 'failback', /must be one of "manual", "auto"/],
    [{ heartbeatTimeoutMs: 150 }, 'heartbeatTimeoutMs', /at least twice/],
    [{ defaultFailoverMode: 7 }, 'defaultFailoverMode', /4 ALUA/],
    [{ aluaTrespassThreshold: 0 }, 'aluaTrespassThreshold', /from 1/],
    [{ colour: 'red' }, 'colour', /unknown field 'colour'/],
  ];
  for (const [body, field, msg] of bad) {
    r = await call('PATCH', '/v1/cluster/policy', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.error.field, field);
    assert.match(r.body.error.message, msg);
  }
  await app.close();
});

test('hosts: PATCH failoverMode (0..4, null) and name; 400 lists the modes', async () => {
  const { app, call } = makeApp();
  await call('POST', '/v1/hosts', { name: 'esx1' });
  let r = await call('PATCH', '/v1/hosts/esx1', { failoverMode: 1 });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.failoverMode, 1);
  r = await call('PATCH', '/v1/hosts/esx1', { failoverMode: null });
  assert.equal(r.body.failoverMode, null, 'null is the array default, not coerced to 0');
  r = await call('PATCH', '/v1/hosts/esx1', { failoverMode: 0 });
  assert.equal(r.body.failoverMode, 0, '0 is a mode, not coerced to null');
  r = await call('PATCH', '/v1/hosts/esx1', { failoverMode: 'alua' });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.field, 'failoverMode');
  r = await call('PATCH', '/v1/hosts/esx1', { failoverMode: 5 });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.field, 'failoverMode');
  assert.match(r.body.error.message, /0 auto-trespass, 1 passive not ready, 2 DMP, 3 passive always ready, 4 ALUA/);
  r = await call('PATCH', '/v1/hosts/esx1', { name: 'esx2' });
  assert.equal(r.body.name, 'esx2', 'rename still works');
  assert.equal((await call('PATCH', '/v1/hosts/ghost', { failoverMode: 4 })).status, 404);
  assert.equal((await call('PATCH', '/v1/hosts/esx2', {})).status, 400);
  await app.close();
});
