import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../store/store.js';
import { ConflictError, NotFoundError, ValidationError, InternalError } from '../lib/errors.js';
import { createControlServices, EventLog } from './index.js';
import { FakeDataPlane } from './test-support/fake-data-plane.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;

function setup() {
  const store = Store.openFile(':memory:');
  const dp = new FakeDataPlane();
  const s = createControlServices(store, dp, { volumeDir: '/vols' });
  return { store, dp, s };
}

test('volume create records the event and calls the data plane', async () => {
  const { dp, s, store } = setup();
  const v = await s.volumes.create({ name: 'v1', sizeBytes: 10 * GiB }, 'api');
  assert.equal(v.path, `/vols/${v.id}.vol`);
  assert.equal(v.serial, v.id.replace(/-/g, '').toUpperCase());
  assert.match(v.naa, /^6/);
  assert.deepEqual(dp.calls, ['create v1']);
  assert.equal(s.events.query({ limit: 1 })[0]?.short, 'volume v1 created (10 GiB, 512-byte blocks) by api');
  await assert.rejects(s.volumes.create({ name: 'v1', sizeBytes: GiB }, 'api'), ConflictError);
  await assert.rejects(() => s.volumes.create({ name: 'v2', sizeBytes: MiB + 1 }, 'api'), (e: unknown) => e instanceof ValidationError && e.field === 'sizeBytes');
  await assert.rejects(() => s.volumes.create({ name: 'v2', sizeBytes: MiB, blockSize: 1024 }, 'api'), (e: unknown) => e instanceof ValidationError && e.field === 'blockSize');
  store.close();
});

test('volume create is undone when the data plane fails', async () => {
  const { dp, s } = setup();
  dp.failNext = 'disk full';
  await assert.rejects(s.volumes.create({ name: 'v1', sizeBytes: GiB }, 'api'), (e: unknown) => e instanceof InternalError && /disk full/.test(e.message));
  assert.equal(s.volumes.list().length, 0);
  assert.equal(s.events.query({ severity: 'error' }).length, 1);
});

test('resize: grow freely, shrink only with force', async () => {
  const { dp, s } = setup();
  await s.volumes.create({ name: 'v1', sizeBytes: 2 * GiB, blockSize: 4096 }, 'api');
  assert.equal((await s.volumes.resize('v1', 4 * GiB, {}, 'cli')).sizeBytes, 4 * GiB);
  await assert.rejects(s.volumes.resize('v1', GiB, {}, 'cli'), (e: unknown) => e instanceof ValidationError && /force/.test(e.message));
  assert.equal((await s.volumes.resize('v1', GiB, { force: true }, 'cli')).sizeBytes, GiB);
  await assert.rejects(s.volumes.resize('v1', GiB + 512, {}, 'cli'), /4096-byte block size/);
  await assert.rejects(s.volumes.resize('nope', GiB, {}, 'cli'), NotFoundError);
  dp.failNext = 'EIO';
  await assert.rejects(s.volumes.resize('v1', MiB, { force: true }, 'cli'), InternalError);
  assert.equal(s.volumes.get('v1').sizeBytes, GiB, 'failed shrink rolls the size back');
  assert.deepEqual(dp.calls.filter((c) => c.startsWith('resize')), [`resize v1 ${4 * GiB}`, `resize v1 ${GiB}`, `resize v1 ${MiB}`]);
});

test('delete refuses while mapped and names the mappings; force unmaps', async () => {
  const { dp, s } = setup();
  await s.volumes.create({ name: 'v1', sizeBytes: GiB }, 'api');
  s.hosts.create({ name: 'h1', initiators: ['iqn.2026-01.test:h1'] }, 'api');
  const m = s.mappings.create({ volume: 'v1', host: 'h1' }, 'api');
  assert.equal(m.lun, 0);
  await assert.rejects(s.volumes.delete('v1', {}, 'api'), (e: unknown) => e instanceof ConflictError && /mapping \d+ \(v1 → host h1 as LUN 0\)/.test(e.message));
  await s.volumes.delete('v1', { force: true }, 'api');
  assert.equal(s.mappings.list().length, 0);
  assert.equal(s.volumes.list().length, 0);
  assert.ok(dp.calls.includes('delete v1'));
});

test('write protection toggles and reaches the data plane', async () => {
  const { dp, s } = setup();
  await s.volumes.create({ name: 'v1', sizeBytes: GiB }, 'api');
  assert.equal((await s.volumes.setWriteProtected('v1', true, 'api')).writeProtected, true);
  assert.equal(s.volumes.get('v1').writeProtected, true);
  assert.ok(dp.calls.includes('wp v1 true'));
});

test('hosts: initiators unique across hosts, CHAP rules', () => {
  const { s } = setup();
  s.hosts.create({ name: 'h1', initiators: ['iqn.2026-01.test:a'], chap: { user: 'u', secret: 'abcdefghijkl' } }, 'api');
  assert.throws(() => s.hosts.create({ name: 'h2', initiators: ['IQN.2026-01.test:A'] }, 'api'), /already belongs to host 'h1'/);
  assert.equal(s.hosts.list().length, 1, 'failed create leaves nothing');
  assert.throws(() => s.hosts.create({ name: 'h2', chap: { user: 'u', secret: 'short' } }, 'api'), (e: unknown) => e instanceof ValidationError && e.field === 'chap.secret');
  assert.throws(() => s.hosts.create({ name: 'h2', chap: { user: 'u', secret: 'abcdefghijkl', mutualUser: 't', mutualSecret: 'abcdefghijkl' } }, 'api'), /must differ/);
  assert.throws(() => s.hosts.create({ name: 'h2', initiators: ['bogus'] }, 'api'), (e: unknown) => e instanceof ValidationError && e.field === 'initiators[0]');
  assert.deepEqual(s.access.chapFor('iqn.2026-01.test:A'), { user: 'u', secret: 'abcdefghijkl' });
  assert.equal(s.access.chapFor('iqn.2026-01.test:other'), null);
  s.hosts.addInitiator('h1', 'iqn.2026-01.test:b', 'api');
  s.hosts.removeInitiator('h1', 'iqn.2026-01.test:a', 'api');
  assert.deepEqual(s.hosts.get('h1').initiators, ['iqn.2026-01.test:b']);
  s.hosts.clearChap('h1', 'api');
  assert.equal(s.hosts.get('h1').chap, null);
});

test('mappings: LUN auto-assign, uniqueness per view, group membership clashes', async () => {
  const { s } = setup();
  for (const n of ['a', 'b', 'c']) await s.volumes.create({ name: n, sizeBytes: GiB, backing: 'memory' }, 'api');
  s.hosts.create({ name: 'h1', initiators: ['iqn.2026-01.test:h1'] }, 'api');
  s.hosts.create({ name: 'h2', initiators: ['iqn.2026-01.test:h2'] }, 'api');
  s.hostGroups.create({ name: 'g', hosts: ['h1'] }, 'api');
  assert.equal(s.mappings.create({ volume: 'a', host: 'h1' }, 'api').lun, 0);
  assert.equal(s.mappings.create({ volume: 'b', hostGroup: 'g' }, 'api').lun, 1, 'group shares h1 view');
  assert.throws(() => s.mappings.create({ volume: 'a', host: 'h1' }, 'api'), /already mapped to host h1/);
  assert.throws(() => s.mappings.create({ volume: 'c', host: 'h1', lun: 1 }, 'api'), /LUN 1 is already used/);
  assert.equal(s.mappings.create({ volume: 'c', host: 'h2', lun: 1 }, 'api').lun, 1);
  assert.throws(() => s.hostGroups.addMember('g', 'h2', 'api'), /LUN\(s\) 1/);
  assert.throws(() => s.mappings.create({ volume: 'c' }, 'api'), (e: unknown) => e instanceof ValidationError && e.field === 'host');
  assert.throws(() => s.mappings.create({ volume: 'c', host: 'h1', lun: 16384 }, 'api'), (e: unknown) => e instanceof ValidationError && e.field === 'lun');
  assert.throws(() => s.mappings.create({ volume: 'c', host: 'zz' }, 'api'), NotFoundError);
  assert.equal(s.mappings.create({ volume: 'c', allLoopback: true }, 'api').lun, 2);
  assert.deepEqual([...s.access.resolveAccess('iqn.2026-01.test:h1', true)], [[0, 'a'], [1, 'b'], [2, 'c']]);
  assert.deepEqual([...s.access.resolveAccess('iqn.2026-01.test:h1', false)], [[0, 'a'], [1, 'b']]);
  assert.throws(() => s.hostGroups.delete('g', {}, 'api'), ConflictError);
  assert.throws(() => s.hosts.delete('h1', {}, 'api'), ConflictError);
  s.hosts.delete('h1', { force: true }, 'api');
  assert.equal(s.mappings.list({ volume: 'a' }).length, 0);
  const id = s.mappings.list({ volume: 'c' })[0]!.id;
  s.mappings.delete(id, 'api');
  assert.throws(() => s.mappings.delete(id, 'api'), NotFoundError);
});

test('event query validates limit, severity and since', () => {
  const { s } = setup();
  s.events.record({ category: 'x', short: 'one', actor: 't' });
  s.events.record({ severity: 'critical', category: 'x', short: 'two', actor: 't' });
  assert.deepEqual(s.events.query().map((e) => e.short), ['two', 'one']);
  assert.deepEqual(s.events.query({ severity: 'error' }).map((e) => e.short), ['two']);
  assert.throws(() => s.events.query({ limit: 0 }), (e: unknown) => e instanceof ValidationError && e.field === 'limit');
  assert.throws(() => s.events.query({ severity: 'loud' }), (e: unknown) => e instanceof ValidationError && e.field === 'severity');
  assert.throws(() => s.events.query({ since: 'yesterday' }), (e: unknown) => e instanceof ValidationError && e.field === 'since');
  assert.equal(s.events.query({ since: '2999-01-01T00:00:00Z' }).length, 0);
});

test('event log prunes beyond its retention', () => {
  const store = Store.openFile(':memory:');
  const log = new EventLog(store, () => new Date(), 10);
  for (let i = 1; i <= 1000; i++) log.record({ category: 'x', short: `e${i}`, actor: 't' });
  const left = log.query({ limit: 10000 });
  assert.equal(left.length, 10);
  assert.equal(left[0]?.short, 'e1000');
  store.close();
});
