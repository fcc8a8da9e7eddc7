import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CLUSTER_POLICY, type ClusterPolicy, type ControllerState } from '../cluster/index.js';
import { silentLogger } from '../lib/logger.js';
import type { PortalListener } from '../controller/runtime/controller-listeners.js';
import type { HaConfig } from '../config/ha-config.js';
import { SupervisorAddresses, type AddressDeps } from './addresses.js';
import type { ControllerChannel } from './ipc/endpoint.js';

const port = (name: string, host: string, n: number, group: number) => ({ name, host, port: 3260, tpgt: n, relativeTargetPortId: n, targetPortGroupId: group });

/** The address plan's view of a supervisor with two live controllers whose IPC requests are recorded and answered. */
function fakeSupervisor() {
  const ha: HaConfig = {
    heartbeatIntervalMs: 100, heartbeatTimeoutMs: 600, leaseMs: 800,
    controllers: [
      { name: 'A', index: 1, ipFailover: 'both', peerPort: 0, ports: [port('A0', '127.0.1.1', 1, 1), port('A1', '127.0.1.2', 2, 1)] },
      { name: 'B', index: 2, ipFailover: 'both', peerPort: 0, ports: [port('B0', '127.0.2.1', 3, 2), port('B1', '127.0.2.2', 4, 2)] },
    ],
  };
  const log: string[] = [];
  const events: string[] = [];
  const alerts = new Map<string, string>();
  const owners = new Map([['v1', { volumeId: 'v1', preferredOwner: 'A', currentOwner: 'A' }], ['v2', { volumeId: 'v2', preferredOwner: 'B', currentOwner: 'B' }]]);
  const rpc = (name: string) => ({
    async request(op: string, args: { listeners?: PortalListener[]; volumeId?: string; to?: string; reason?: string }) {
      if (op === 'listeners') {
        log.push(`${name} listeners ${args.listeners!.map((l) => l.homePort).join(',')}`);
        return { listening: [], added: [], removed: [], errors: [] };
      }
      if (op === 'trespass') {
        log.push(`${name} trespass ${args.volumeId} to ${args.to} (${args.reason})`);
        owners.set(args.volumeId!, { ...owners.get(args.volumeId!)!, currentOwner: args.to! });
      }
      return null;
    },
  });
  const slots = new Map(ha.controllers.map((c) => [c.name, { cfg: c, state: 'online' as ControllerState, channel: rpc(c.name) as unknown as ControllerChannel, portsDown: new Set<string>() }]));
  const policy: ClusterPolicy = { ...DEFAULT_CLUSTER_POLICY };
  const sup = { policy };
  const deps: AddressDeps = {
    ha, logger: silentLogger(),
    controller: (name) => { const s = slots.get(name)!; return { state: s.state, ipFailover: s.cfg.ipFailover, portsDown: s.portsDown }; },
    live: () => [...slots.values()].filter((s) => s.state === 'online').map((s) => ({ name: s.cfg.name, channel: s.channel })),
    channel: (name) => slots.get(name)?.channel,
    policy: () => policy,
    event: (sev, short) => { events.push(`${sev}: ${short}`); },
    alerts: {
      raise: (key: string, a: { short: string; action: string }) => { if (!alerts.has(key)) alerts.set(key, `${a.short} | ${a.action}`); return undefined as never; },
      clear: (key: string) => { alerts.delete(key); return undefined; },
    },
    ownership: () => [...owners.values()],
  };
  const addresses = new SupervisorAddresses(deps);
  return { sup, slots, log, events, alerts, owners, addresses };
}

test('an address moving between controllers is released by the old one before the new one gets it', async () => {
  const f = fakeSupervisor();
  f.addresses.controllerStarted('A');
  f.addresses.controllerStarted('B');
  f.slots.get('A')!.cfg.ipFailover = 'remote';
  f.slots.get('A')!.portsDown.add('A0');
  await f.addresses.reconcile('port A0 link down');
  const iDrop = f.log.indexOf('A listeners ');
  const iTake = f.log.indexOf('B listeners A0,A1,B0,B1');
  assert.ok(iDrop >= 0 && iTake > iDrop, f.log.join('\n'));
});

test('remote port failover of a live controller moves its volumes to the peer once, with an event and an alert', async () => {
  const f = fakeSupervisor();
  f.slots.get('A')!.cfg.ipFailover = 'remote';
  f.slots.get('A')!.portsDown.add('A0');
  const plan = await f.addresses.reconcile('port A0 link down');
  assert.deepEqual(plan.portFailedOver, ['A']);
  assert.ok(f.log.includes('B trespass v1 to B (port-failure)'), f.log.join('\n'));
  assert.equal(f.owners.get('v1')!.currentOwner, 'B');
  assert.ok(f.events.includes('error: controller A failed over to B: ipFailover remote, port A0 link down'), f.events.join('\n'));
  assert.match(f.alerts.get('controller-port-failover:A')!, /failed over to B/);
  const before = f.events.length;
  await f.addresses.reconcile('again');
  assert.equal(f.events.filter((e) => e.includes('failed over')).length, 1, 'no second failover event');
  assert.ok(f.events.length >= before);
});

test('ports back with failback manual: addresses home, volume stays, alert asks for `controller failback`', async () => {
  const f = fakeSupervisor();
  f.slots.get('A')!.cfg.ipFailover = 'remote';
  f.slots.get('A')!.portsDown.add('A1');
  await f.addresses.reconcile('down');
  f.slots.get('A')!.portsDown.delete('A1');
  f.log.length = 0;
  await f.addresses.reconcile('up');
  assert.ok(f.log.includes('A listeners A0,A1') && f.log.includes('B listeners B0,B1'), f.log.join('\n'));
  assert.equal(f.owners.get('v1')!.currentOwner, 'B');
  assert.equal(f.alerts.has('controller-port-failover:A'), false);
  assert.match(f.alerts.get('controller-failback-needed:A')!, /run: tandem controller failback A/);
  f.owners.set('v1', { ...f.owners.get('v1')!, currentOwner: 'A' }); // the operator's failback
  await f.addresses.reconcile('later');
  assert.equal(f.alerts.has('controller-failback-needed:A'), false);
});

test('ports back with failback auto: the volume returns to A (port-repair) after the delay', async () => {
  const f = fakeSupervisor();
  f.sup.policy.failback = 'auto';
  f.sup.policy.failbackDelayMs = 10;
  f.slots.get('A')!.portsDown.add('A0');
  f.slots.get('A')!.portsDown.add('A1');
  await f.addresses.reconcile('both down');
  assert.equal(f.owners.get('v1')!.currentOwner, 'B', 'both: every port down ⇒ remote');
  f.slots.get('A')!.portsDown.clear();
  await f.addresses.reconcile('up');
  assert.equal(f.owners.get('v1')!.currentOwner, 'B');
  await new Promise((r) => setTimeout(r, 40));
  assert.ok(f.log.includes('A trespass v1 to A (port-repair)'), f.log.join('\n'));
  assert.equal(f.owners.get('v1')!.currentOwner, 'A');
  f.addresses.close();
});

test('a starting controller is reserved: its peer releases its addresses and takes nothing of it', async () => {
  const f = fakeSupervisor();
  f.slots.get('B')!.state = 'failed';
  await f.addresses.reconcile('B failed');
  assert.ok(f.log.includes('A listeners A0,A1,B0,B1'));
  f.log.length = 0;
  await f.addresses.reconcile('B enabled', { starting: 'B' });
  assert.deepEqual(f.log, ['A listeners A0,A1']);
});
