import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PortalConfig } from '../../iscsi/target/iscsi-target.js';
import { createLogger } from '../../lib/logger.js';
import type { PortalListener } from './controller-listeners.js';
import { hostedControllers, reconcileListeners, type PortalHost } from './controller-listeners.js';

const logger = createLogger({ level: 'silent' });

function fakeHost(initial: PortalConfig[], failOn?: string): PortalHost & { portals: PortalConfig[]; ops: string[] } {
  const h = {
    portals: [...initial],
    ops: [] as string[],
    boundPortals: () => h.portals.map((p) => ({ ...p })),
    async addPortal(p: PortalConfig) {
      if (`${p.host}:${p.port}` === failOn) throw new Error('EADDRINUSE');
      h.ops.push(`add ${p.host}:${p.port}/${p.tpgt}`);
      h.portals.push(p);
    },
    async removePortal(host: string, port: number) {
      h.ops.push(`remove ${host}:${port}`);
      h.portals = h.portals.filter((p) => !(p.host === host && p.port === port));
    },
  };
  return h;
}
const L = (homePort: string, host: string, tpgt: number, homeController = homePort[0]!): PortalListener =>
  ({ host, port: 3260, tpgt, relativeTargetPortId: tpgt, targetPortGroupId: homeController === 'A' ? 1 : 2, homeController, homePort });
const P = (l: PortalListener): PortalConfig => ({ host: l.host, port: l.port, tpgt: l.tpgt, relativeTargetPortId: l.relativeTargetPortId, targetPortGroupId: l.targetPortGroupId });

test('adds what is missing, removes what is not wanted, keeps the rest; idempotent', async () => {
  const a0 = L('A0', '127.0.1.1', 1), a1 = L('A1', '127.0.1.2', 2), b0 = L('B0', '127.0.2.1', 3);
  const h = fakeHost([P(a0), P(a1)]);
  const r = await reconcileListeners(h, [a1, b0], logger);
  assert.deepEqual(r, { listening: ['127.0.1.2:3260', '127.0.2.1:3260'], added: ['127.0.2.1:3260'], removed: ['127.0.1.1:3260'], errors: [] });
  h.ops.length = 0;
  const again = await reconcileListeners(h, [a1, b0], logger);
  assert.deepEqual([again.added, again.removed, h.ops], [[], [], []]);
});

test('a portal whose identity (TPGT) differs is re-created with the home port\'s identity', async () => {
  const h = fakeHost([{ host: '127.0.1.1', port: 3260, tpgt: 2, relativeTargetPortId: 2, targetPortGroupId: 1 }]);
  await reconcileListeners(h, [L('A0', '127.0.1.1', 1)], logger);
  assert.deepEqual(h.ops, ['remove 127.0.1.1:3260', 'add 127.0.1.1:3260/1']);
  assert.equal(h.portals[0]!.tpgt, 1);
});

test('a failed listen is reported, the others still happen', async () => {
  const h = fakeHost([], '127.0.2.1:3260');
  const r = await reconcileListeners(h, [L('B0', '127.0.2.1', 3), L('B1', '127.0.2.2', 4)], logger);
  assert.deepEqual(r.added, ['127.0.2.2:3260']);
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0]!, /127\.0\.2\.1:3260 \(port B0 of B\): EADDRINUSE/);
});

test('hosted = home controllers other than itself', () => {
  assert.deepEqual([...hostedControllers('B', [L('A0', 'x', 1), L('B0', 'y', 3), L('A1', 'z', 2)])], ['A']);
  assert.deepEqual([...hostedControllers('A', [L('A0', 'x', 1)])], []);
});
