import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../store/store.js';
import { createControlServices } from '../management/index.js';
import { FakeDataPlane } from '../management/test-support/fake-data-plane.js';
import { FakeClusterControl } from '../management/test-support/fake-cluster.js';
import { silentLogger } from '../lib/logger.js';
import { buildApp } from './app.js';

const TOKEN = 'd'.repeat(64);
const auth = { authorization: `Bearer ${TOKEN}`, 'x-tandem-actor': 'cli' };

function makeApp() {
  const store = Store.openFile(':memory:');
  const dataPlane = new FakeDataPlane();
  const services = createControlServices(store, dataPlane, { volumeDir: '/vols', defaultBacking: 'memory' });
  const cluster = new FakeClusterControl({ alerts: services.alerts });
  const app = buildApp({ services, dataPlane, token: TOKEN, logger: silentLogger(), cluster });
  const call = async (method: string, url: string, payload?: object) => {
    const r = await app.inject({ method: method as 'PATCH', url, headers: auth, ...(payload !== undefined ? { payload } : {}) });
    return { status: r.statusCode, body: r.body ? r.json() : undefined };
  };
  return { app, cluster, call };
}

test('PATCH /v1/controllers/:name sets ipFailover and answers the controller', async () => {
  const { app, cluster, call } = makeApp();
  const r = await call('PATCH', '/v1/controllers/A', { ipFailover: 'remote' });
  assert.equal(r.status, 200);
  assert.equal(r.body.name, 'A');
  assert.equal(r.body.ipFailover, 'remote');
  assert.equal((await call('GET', '/v1/controllers/A')).body.ipFailover, 'remote');
  assert.deepEqual(cluster.calls, ['ipFailover A remote by cli']);
  await app.close();
});

test('PATCH /v1/controllers/:name: bad mode names the field and the valid values; unknown controller 404; stray field 400', async () => {
  const { app, cluster, call } = makeApp();
  const bad = await call('PATCH', '/v1/controllers/A', { ipFailover: 'sideways' });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /ipFailover must be one of local, remote, both, none \(got "sideways"\)/);
  assert.equal(bad.body.error.field, 'ipFailover');
  const nf = await call('PATCH', '/v1/controllers/Z', { ipFailover: 'local' });
  assert.equal(nf.status, 404);
  assert.match(nf.body.error.message, /controllers A, B/);
  assert.equal((await call('PATCH', '/v1/controllers/A', { ipFailover: 'local', color: 'red' })).status, 400);
  assert.equal((await call('PATCH', '/v1/controllers/A', {})).status, 400);
  assert.deepEqual(cluster.calls, []);
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  assert.ok(doc.paths['/v1/controllers/{name}'].patch, 'openapi documents the PATCH');
  await app.close();
});
