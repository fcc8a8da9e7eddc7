import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Store } from '../store/store.js';
import { TandemError } from '../lib/errors.js';
import { createControlServices } from './index.js';
import { FakeDataPlane } from './test-support/fake-data-plane.js';

const HOSTS = ['h0', 'h1', 'h2'];
const GROUPS = ['g0', 'g1'];
const VOLS = ['v0', 'v1', 'v2', 'v3'];

const op = fc.oneof(
  fc.record({ t: fc.constant('map' as const), vol: fc.constantFrom(...VOLS), target: fc.constantFrom(...HOSTS, ...GROUPS, 'lo'), lun: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }) }),
  fc.record({ t: fc.constant('join' as const), host: fc.constantFrom(...HOSTS), group: fc.constantFrom(...GROUPS) }),
  fc.record({ t: fc.constant('leave' as const), host: fc.constantFrom(...HOSTS), group: fc.constantFrom(...GROUPS) }),
);

// Invariant: whatever the operator does, no initiator ever has two mappings competing for one LUN.
test('property: every visible mapping gets its own LUN in every initiator view', async () => {
  await fc.assert(fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
    const store = Store.openFile(':memory:');
    const s = createControlServices(store, new FakeDataPlane(), { volumeDir: '/v', defaultBacking: 'memory' });
    for (const v of VOLS) await s.volumes.create({ name: v, sizeBytes: 1 << 20 }, 't');
    for (const h of HOSTS) s.hosts.create({ name: h, initiators: [`iqn.2026-01.test:${h}`] }, 't');
    for (const g of GROUPS) s.hostGroups.create({ name: g }, 't');
    for (const o of ops) {
      try {
        if (o.t === 'map') {
          s.mappings.create({ volume: o.vol, lun: o.lun, ...(o.target === 'lo' ? { allLoopback: true } : o.target.startsWith('h') ? { host: o.target } : { hostGroup: o.target }) }, 't');
        } else if (o.t === 'join') s.hostGroups.addMember(o.group, o.host, 't');
        else s.hostGroups.removeMember(o.group, o.host, 't');
      } catch (e) {
        if (!(e instanceof TandemError) || e.httpStatus >= 500) throw e;
      }
    }
    const all = s.mappings.list();
    for (const h of HOSTS) {
      const groups = s.hostGroups.list().filter((g) => g.hosts.includes(h)).map((g) => g.name);
      const visible = all.filter((m) => m.hostName === h || (m.hostGroupName !== null && groups.includes(m.hostGroupName)) || m.kind === 'allLoopback');
      const seen = s.access.resolveAccess(`iqn.2026-01.test:${h}`, true);
      assert.equal(seen.size, visible.length, `host ${h}: ${JSON.stringify(visible)}`);
      for (const m of visible) assert.equal(seen.get(m.lun), m.volumeName);
    }
    store.close();
  }), { numRuns: 60 });
});
