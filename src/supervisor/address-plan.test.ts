import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IpFailoverMode } from '../cluster/index.js';
import { addressHealth, planAddresses, servedByPort, type AddressHealth, type ControllerAddressFacts } from './address-plan.js';
import type { HaConfig } from '../config/ha-config.js';

const port = (name: string, host: string, n: number, group: number) => ({ name, host, port: 3260, tpgt: n, relativeTargetPortId: n, targetPortGroupId: group });
const ha: HaConfig = {
  heartbeatIntervalMs: 100, heartbeatTimeoutMs: 600, leaseMs: 800,
  controllers: [
    { name: 'A', index: 1, ipFailover: 'both', peerPort: 0, ports: [port('A0', '127.0.1.1', 1, 1), port('A1', '127.0.1.2', 2, 1)] },
    { name: 'B', index: 2, ipFailover: 'both', peerPort: 0, ports: [port('B0', '127.0.2.1', 3, 2), port('B1', '127.0.2.2', 4, 2)] },
  ],
};

function plan(mode: IpFailoverMode | Record<string, IpFailoverMode>, down: string[] = [], health: Record<string, AddressHealth> = {}) {
  return planAddresses(ha, (name): ControllerAddressFacts => ({
    health: health[name] ?? 'healthy',
    ipFailover: typeof mode === 'string' ? mode : mode[name] ?? 'both',
    portsDown: new Set(down.filter((p) => p.startsWith(name))),
  }));
}
const served = (p: ReturnType<typeof plan>) => Object.fromEntries(['A0', 'A1', 'B0', 'B1'].map((n) => [n, servedByPort(p, n)]));
const homes = (p: ReturnType<typeof plan>, c: string) => p.listeners[c]!.map((l) => l.homePort).sort();

test('addressHealth: online serves, starting/stopped are reserved, failed/fenced/disabled are down', () => {
  assert.equal(addressHealth('online'), 'healthy');
  assert.equal(addressHealth('starting'), 'reserved');
  assert.equal(addressHealth('stopped'), 'reserved');
  for (const s of ['failed', 'fenced', 'disabled'] as const) assert.equal(addressHealth(s), 'down');
});

test('all up: each controller listens on its own two addresses with their own identity', () => {
  const p = plan('both');
  assert.deepEqual(served(p), { A0: 'A0', A1: 'A1', B0: 'B0', B1: 'B1' });
  assert.deepEqual(p.listeners.A, [
    { host: '127.0.1.1', port: 3260, tpgt: 1, relativeTargetPortId: 1, targetPortGroupId: 1, homeController: 'A', homePort: 'A0' },
    { host: '127.0.1.2', port: 3260, tpgt: 2, relativeTargetPortId: 2, targetPortGroupId: 1, homeController: 'A', homePort: 'A1' },
  ]);
  assert.deepEqual(p.portFailedOver, []);
});

test('local, single failure: A0\'s address on A1 keeping A0\'s TPGT and relative port id', () => {
  const p = plan('local', ['A0']);
  assert.deepEqual(served(p), { A0: 'A1', A1: 'A1', B0: 'B0', B1: 'B1' });
  const a0 = p.listeners.A!.find((l) => l.homePort === 'A0')!;
  assert.deepEqual([a0.tpgt, a0.relativeTargetPortId, a0.targetPortGroupId], [1, 1, 1]);
  assert.equal(p.placements[0]!.reason, 'local-port-failover');
  assert.deepEqual(plan('local', ['A0', 'A1']).listeners.A, [], 'local with both ports down: nothing served, no remote');
  assert.deepEqual(plan('local', ['A0', 'A1']).portFailedOver, []);
});

test('remote: one port down fails A over entirely; addresses on B\'s corresponding ports', () => {
  const p = plan('remote', ['A1']);
  assert.deepEqual(served(p), { A0: 'B0', A1: 'B1', B0: 'B0', B1: 'B1' });
  assert.deepEqual(p.portFailedOver, ['A']);
  assert.deepEqual(p.listeners.A, []);
  assert.deepEqual(homes(p, 'B'), ['A0', 'A1', 'B0', 'B1']);
  const a1 = p.listeners.B!.find((l) => l.homePort === 'A1')!;
  assert.deepEqual([a1.tpgt, a1.targetPortGroupId, a1.homeController], [2, 1, 'A']);
});

test('both: single local, double remote, triple onto the remaining port', () => {
  assert.deepEqual(served(plan('both', ['A0'])), { A0: 'A1', A1: 'A1', B0: 'B0', B1: 'B1' });
  const d = plan('both', ['A0', 'A1']);
  assert.deepEqual(served(d), { A0: 'B0', A1: 'B1', B0: 'B0', B1: 'B1' });
  assert.deepEqual(d.portFailedOver, ['A']);
  const t = plan('both', ['A0', 'A1', 'B0']);
  assert.deepEqual(served(t), { A0: 'B1', A1: 'B1', B0: 'B1', B1: 'B1' });
  assert.deepEqual(homes(t, 'B'), ['A0', 'A1', 'B0', 'B1']);
});

test('none: a down port\'s address is simply not served', () => {
  const p = plan('none', ['A0']);
  assert.deepEqual(served(p), { A0: null, A1: 'A1', B0: 'B0', B1: 'B1' });
  assert.equal(p.placements[0]!.reason, 'unserved');
  assert.deepEqual(p.portFailedOver, []);
});

test('a dead controller\'s addresses go to the peer whatever its ipFailover mode', () => {
  const p = plan('none', [], { A: 'down' });
  assert.deepEqual(served(p), { A0: 'B0', A1: 'B1', B0: 'B0', B1: 'B1' });
  assert.deepEqual(p.portFailedOver, [], 'a dead controller is not a port failover');
});

test('starting/stopped controllers are reserved: nobody takes their addresses, nothing fails over to them', () => {
  const p = plan('both', [], { B: 'reserved' });
  assert.deepEqual(served(p), { A0: 'A0', A1: 'A1', B0: null, B1: null });
  assert.deepEqual(p.listeners.B, []);
  const r = plan('remote', ['A0'], { B: 'reserved' });
  assert.deepEqual(r.portFailedOver, [], 'no live peer: A keeps serving');
  assert.deepEqual(r.stranded, ['A']);
  assert.deepEqual(served(r), { A0: null, A1: 'A1', B0: null, B1: null });
  const b = plan('both', ['A0'], { B: 'down' });
  assert.deepEqual(served(b), { A0: 'A1', A1: 'A1', B0: 'A1', B1: 'A1' }, 'B dead, A0 down: everything on A\'s remaining port');
});

test('the peer\'s own port failure does not undo a failover onto it', () => {
  const p = plan({ A: 'remote', B: 'local' }, ['A0', 'B1']);
  assert.deepEqual(served(p), { A0: 'B0', A1: 'B0', B0: 'B0', B1: 'B0' });
});

test('every served address is listened on by exactly one controller', () => {
  const modes: IpFailoverMode[] = ['local', 'remote', 'both', 'none'];
  const ports = ['A0', 'A1', 'B0', 'B1'];
  for (const ma of modes) for (const mb of modes) for (let mask = 0; mask < 16; mask++) {
    const down = ports.filter((_, i) => mask & (1 << i));
    const p = plan({ A: ma, B: mb }, down);
    const all = [...p.listeners.A!, ...p.listeners.B!].map((l) => l.homePort);
    assert.equal(new Set(all).size, all.length, `${ma}/${mb} down ${down}`);
    assert.deepEqual(all.sort(), p.placements.filter((x) => x.servedBy).map((x) => x.homePort).sort());
    if (p.portFailedOver.includes('A')) assert.deepEqual(p.listeners.A, [], 'a failed-over controller serves nothing');
    for (const pl of p.placements) if (pl.servedBy) assert.ok(!down.includes(pl.servedBy.port), 'never served by a down port');
  }
});
