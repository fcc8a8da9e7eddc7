import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../store/store.js';
import { createControlServices } from '../management/index.js';
import { FakeDataPlane } from '../management/test-support/fake-data-plane.js';
import { silentLogger } from '../lib/logger.js';
import { buildApp } from './app.js';
import { ensureApiToken, readApiEndpoint, writeApiEndpoint } from './api-files.js';
import { API_TOKEN_FILE } from '../lib/api-contract.js';

const TOKEN = 'a'.repeat(64);
const auth = { authorization: `Bearer ${TOKEN}` };
const GiB = 2 ** 30;

export function makeApp() {
  const store = Store.openFile(':memory:');
  const dataPlane = new FakeDataPlane();
  const services = createControlServices(store, dataPlane, { volumeDir: '/vols', defaultBacking: 'memory' });
  const app = buildApp({ services, dataPlane, token: TOKEN, logger: silentLogger() });
  return { app, store, dataPlane, services };
}

test('401 without or with a wrong token; health and openapi are public', async () => {
  const { app } = makeApp();
  for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: TOKEN }]) {
    const r = await app.inject({ method: 'GET', url: '/v1/volumes', headers });
    assert.equal(r.statusCode, 401);
    assert.equal(r.json().error.code, 'UNAUTHORIZED');
  }
  assert.equal((await app.inject({ method: 'GET', url: '/v1/health' })).statusCode, 200);
  assert.equal((await app.inject({ method: 'GET', url: '/v1/nothing' })).statusCode, 401, 'unknown routes do not leak without a token');
  const o = await app.inject({ method: 'GET', url: '/openapi.json' });
  assert.equal(o.statusCode, 200);
  const doc = o.json();
  assert.equal(doc.openapi, '3.0.3');
  for (const p of ['/v1/volumes', '/v1/volumes/{name}', '/v1/hosts', '/v1/host-groups/{name}/members', '/v1/mappings/{id}', '/v1/events', '/v1/sessions', '/v1/target']) {
    assert.ok(doc.paths[p], `openapi has ${p}`);
  }
  await app.close();
});

test('volume lifecycle over HTTP', async () => {
  const { app, dataPlane } = makeApp();
  const c = await app.inject({ method: 'POST', url: '/v1/volumes', headers: { ...auth, 'x-tandem-actor': 'cli' }, payload: { name: 'v1', sizeBytes: 10 * GiB } });
  assert.equal(c.statusCode, 201, c.body);
  const v = c.json();
  assert.equal(v.name, 'v1');
  assert.equal(v.blockSize, 512);
  assert.equal(v.allocatedBytes, 4096);
  assert.deepEqual(v.mappings, []);
  assert.equal((await app.inject({ method: 'GET', url: '/v1/volumes', headers: auth })).json().length, 1);
  const p = await app.inject({ method: 'PATCH', url: '/v1/volumes/v1', headers: auth, payload: { sizeBytes: 20 * GiB, writeProtected: true } });
  assert.equal(p.statusCode, 200, p.body);
  assert.equal(p.json().sizeBytes, 20 * GiB);
  assert.equal(p.json().writeProtected, true);
  const ev = (await app.inject({ method: 'GET', url: '/v1/events?limit=10', headers: auth })).json();
  assert.equal(ev.at(-1).short, 'volume v1 created (10 GiB, 512-byte blocks) by cli');
  assert.equal((await app.inject({ method: 'DELETE', url: '/v1/volumes/v1', headers: auth })).statusCode, 204);
  assert.ok(dataPlane.calls.includes('delete v1'));
  await app.close();
});

test('400 errors name the field', async () => {
  const { app } = makeApp();
  const cases: Array<[unknown, string, RegExp]> = [
    [{ name: 'v1' }, 'sizeBytes', /'sizeBytes' is required/],
    [{ name: 'v1', sizeBytes: 'big' }, 'sizeBytes', /'sizeBytes' must be a whole number/],
    [{ name: 'v1', sizeBytes: GiB, blockSize: 1024 }, 'blockSize', /'blockSize' must be one of 512, 4096/],
    [{ name: 'v1', sizeBytes: GiB, colour: 'red' }, 'colour', /unknown field 'colour'/],
    [{ name: '-bad', sizeBytes: GiB }, 'name', /name '-bad' is not valid/],
    [{ name: 'v1', sizeBytes: GiB + 1 }, 'sizeBytes', /multiple of the 512-byte block size/],
  ];
  for (const [payload, field, msg] of cases) {
    const r = await app.inject({ method: 'POST', url: '/v1/volumes', headers: auth, payload: payload as object });
    assert.equal(r.statusCode, 400, r.body);
    assert.equal(r.json().error.code, 'VALIDATION');
    assert.equal(r.json().error.field, field);
    assert.match(r.json().error.message, msg);
  }
  const q = await app.inject({ method: 'GET', url: '/v1/events?limit=0', headers: auth });
  assert.equal(q.statusCode, 400);
  assert.equal(q.json().error.field, 'limit');
  const pid = await app.inject({ method: 'DELETE', url: '/v1/mappings/abc', headers: auth });
  assert.equal(pid.statusCode, 400);
  assert.equal(pid.json().error.field, 'id');
  assert.match(pid.json().error.message, /path parameter 'id' must be a whole number/);
  const bad = await app.inject({ method: 'POST', url: '/v1/volumes', headers: { ...auth, 'content-type': 'application/json' }, payload: '{not json' });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.code, 'VALIDATION');
  await app.close();
});

test('404 and 409', async () => {
  const { app } = makeApp();
  const nf = await app.inject({ method: 'GET', url: '/v1/volumes/ghost', headers: auth });
  assert.equal(nf.statusCode, 404);
  assert.deepEqual(nf.json(), { error: { code: 'NOT_FOUND', message: "volume 'ghost' does not exist" } });
  assert.equal((await app.inject({ method: 'DELETE', url: '/v1/mappings/99', headers: auth })).statusCode, 404);
  assert.equal((await app.inject({ method: 'GET', url: '/v1/nope', headers: auth })).statusCode, 404);
  await app.inject({ method: 'POST', url: '/v1/volumes', headers: auth, payload: { name: 'v1', sizeBytes: GiB } });
  const dup = await app.inject({ method: 'POST', url: '/v1/volumes', headers: auth, payload: { name: 'v1', sizeBytes: GiB } });
  assert.equal(dup.statusCode, 409);
  assert.equal(dup.json().error.code, 'CONFLICT');
  await app.inject({ method: 'POST', url: '/v1/mappings', headers: auth, payload: { volume: 'v1', allLoopback: true } });
  const del = await app.inject({ method: 'DELETE', url: '/v1/volumes/v1', headers: auth });
  assert.equal(del.statusCode, 409);
  assert.match(del.json().error.message, /all loopback initiators as LUN 0/);
  assert.equal((await app.inject({ method: 'DELETE', url: '/v1/volumes/v1?force=true', headers: auth })).statusCode, 204);
  await app.close();
});

test('hosts, groups, mappings, sessions, target over HTTP', async () => {
  const { app, dataPlane } = makeApp();
  const h = await app.inject({ method: 'POST', url: '/v1/hosts', headers: auth, payload: {
    name: 'esx1', initiators: ['iqn.1998-01.com.vmware:esx1'], chap: { user: 'esx1', secret: 'verysecret123', mutualUser: 'arr', mutualSecret: 'othersecret45' } } });
  assert.equal(h.statusCode, 201, h.body);
  assert.deepEqual(h.json().chap, { user: 'esx1', mutualUser: 'arr' });
  assert.ok(!h.body.includes('verysecret123'), 'secrets never returned');
  const ai = await app.inject({ method: 'POST', url: '/v1/hosts/esx1/initiators', headers: auth, payload: { initiator: 'iqn.1998-01.com.vmware:esx1b' } });
  assert.equal(ai.json().initiators.length, 2);
  const ri = await app.inject({ method: 'DELETE', url: `/v1/hosts/esx1/initiators/${encodeURIComponent('iqn.1998-01.com.vmware:esx1b')}`, headers: auth });
  assert.equal(ri.statusCode, 200, ri.body);
  assert.equal(ri.json().initiators.length, 1);
  assert.equal((await app.inject({ method: 'DELETE', url: '/v1/hosts/esx1/chap', headers: auth })).json().chap, null);
  const sc = await app.inject({ method: 'PUT', url: '/v1/hosts/esx1/chap', headers: auth, payload: { user: 'u', secret: 'short' } });
  assert.equal(sc.statusCode, 400);
  assert.equal(sc.json().error.field, 'chap.secret');
  const g = await app.inject({ method: 'POST', url: '/v1/host-groups', headers: auth, payload: { name: 'cluster', hosts: ['esx1'] } });
  assert.equal(g.statusCode, 201, g.body);
  assert.deepEqual((await app.inject({ method: 'GET', url: '/v1/hosts/esx1', headers: auth })).json().hostGroups, ['cluster']);
  await app.inject({ method: 'POST', url: '/v1/volumes', headers: auth, payload: { name: 'ds1', sizeBytes: GiB } });
  const m = await app.inject({ method: 'POST', url: '/v1/mappings', headers: auth, payload: { volume: 'ds1', hostGroup: 'cluster', lun: 7 } });
  assert.equal(m.statusCode, 201, m.body);
  const mj = m.json() as Record<string, unknown>;
  assert.deepEqual({ ...mj, createdAt: undefined }, { id: mj.id, volumeName: 'ds1', kind: 'hostGroup', hostName: null, hostGroupName: 'cluster', lun: 7, createdAt: undefined });
  assert.equal((await app.inject({ method: 'GET', url: '/v1/mappings?volume=ds1', headers: auth })).json().length, 1);
  assert.equal((await app.inject({ method: 'GET', url: '/v1/volumes/ds1', headers: auth })).json().mappings[0].lun, 7);
  assert.ok(dataPlane.calls.includes('access'));
  assert.equal((await app.inject({ method: 'DELETE', url: `/v1/mappings/${m.json().id}`, headers: auth })).statusCode, 204);
  assert.equal((await app.inject({ method: 'DELETE', url: '/v1/host-groups/cluster/members/esx1', headers: auth })).json().hosts.length, 0);
  assert.equal((await app.inject({ method: 'DELETE', url: '/v1/host-groups/cluster', headers: auth })).statusCode, 204);
  assert.equal((await app.inject({ method: 'DELETE', url: '/v1/hosts/esx1', headers: auth })).statusCode, 204);
  dataPlane.sessions = [{ initiatorName: 'iqn.x:y', isid: '400001370000', tsih: 1, type: 'normal', loginAt: '2026-11-23T00:00:00Z',
    connections: [{ cid: 0, local: '127.0.0.1:3260', remote: '127.0.0.1:5000', portalGroupTag: 1, params: { HeaderDigest: 'None', MaxBurstLength: 262144, InitialR2T: true } }] }];
  assert.deepEqual((await app.inject({ method: 'GET', url: '/v1/sessions', headers: auth })).json(), dataPlane.sessions);
  const t = (await app.inject({ method: 'GET', url: '/v1/target', headers: auth })).json();
  assert.equal(t.iqn, 'iqn.2026-11.io.tandem:test');
  assert.equal(t.portals[0].port, 3260);
  await app.close();
});

test('api token and endpoint files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-api-'));
  try {
    const t = await ensureApiToken(dir);
    assert.match(t, /^[0-9a-f]{64}$/);
    assert.equal(statSync(join(dir, API_TOKEN_FILE)).mode & 0o777, 0o600);
    assert.equal(await ensureApiToken(dir), t, 'stable across starts');
    chmodSync(join(dir, API_TOKEN_FILE), 0o644);
    assert.equal(await ensureApiToken(dir), t);
    assert.equal(statSync(join(dir, API_TOKEN_FILE)).mode & 0o777, 0o600, 'loose mode tightened');
    assert.equal(await readApiEndpoint(dir), undefined);
    await writeApiEndpoint(dir, 'http://127.0.0.1:8443');
    assert.equal((await readApiEndpoint(dir))?.url, 'http://127.0.0.1:8443');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
