// Backing rules of VolumeService. Prevents: a dual-controller array accepting a 'memory'
// volume, which each controller process would hold as its own RAM copy (a failover
// would then serve other data than was acknowledged).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../store/store.js';
import { ValidationError } from '../lib/errors.js';
import { createControlServices } from './index.js';
import { FakeDataPlane } from './test-support/fake-data-plane.js';

const MiB = 2 ** 20;

function setup(allowMemoryBacking?: boolean) {
  const store = Store.openFile(':memory:');
  const dp = new FakeDataPlane();
  const s = createControlServices(store, dp, { volumeDir: '/vols', ...(allowMemoryBacking !== undefined ? { allowMemoryBacking } : {}) });
  return { store, dp, s };
}

test('memory backing is refused when the array does not allow it, naming the field and the fix; nothing is recorded', async () => {
  const { store, dp, s } = setup(false);
  await assert.rejects(s.volumes.create({ name: 'm1', sizeBytes: MiB, backing: 'memory' }, 'api'), (e: unknown) => {
    assert.ok(e instanceof ValidationError);
    assert.equal(e.field, 'backing');
    assert.equal(e.httpStatus, 400);
    assert.match(e.message, /single-controller array \(tandem up --controllers 1\)/);
    assert.match(e.message, /use backing file/);
    return true;
  });
  assert.deepEqual(s.volumes.list(), []);
  assert.deepEqual(dp.calls, []);
  const f = await s.volumes.create({ name: 'f1', sizeBytes: MiB, backing: 'file' }, 'api');
  assert.equal(f.backing, 'file');
  const d = await s.volumes.create({ name: 'f2', sizeBytes: MiB }, 'api');
  assert.equal(d.backing, 'file');
  store.close();
});

test('memory backing is allowed by default (single-controller array)', async () => {
  for (const allow of [undefined, true]) {
    const { store, s } = setup(allow);
    const v = await s.volumes.create({ name: 'm1', sizeBytes: MiB, backing: 'memory' }, 'api');
    assert.equal(v.backing, 'memory');
    assert.equal(v.path, null);
    store.close();
  }
});
