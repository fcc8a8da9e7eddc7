import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { IpFailoverMode } from '../cluster/index.js';
import { listenersFor, mustFailOverEntirely, planIpFailover, type ControllerPorts } from './ip-failover.js';

function array(mode: IpFailoverMode, down: string[] = [], unhealthy: string[] = [], modeB: IpFailoverMode = mode): ControllerPorts[] {
  const port = (name: string, address: string) => ({ name, address, linkUp: !down.includes(name) });
  return [
    { name: 'A', ipFailover: mode, healthy: !unhealthy.includes('A'), ports: [port('A0', '127.0.1.1:3260'), port('A1', '127.0.1.2:3260')] },
    { name: 'B', ipFailover: modeB, healthy: !unhealthy.includes('B'), ports: [port('B0', '127.0.2.1:3260'), port('B1', '127.0.2.2:3260')] },
  ];
}
const servedMap = (cs: ControllerPorts[]) => Object.fromEntries(planIpFailover(cs).placements.map((p) => [p.homePort, p.servedBy ? p.servedBy.port : null]));

test('all links up: every address at home, no failover', () => {
  const plan = planIpFailover(array('both'));
  assert.deepEqual(plan.failOver, []);
  assert.ok(plan.placements.every((p) => p.reason === 'home'));
  assert.deepEqual(listenersFor(plan, 'A'), { A0: ['127.0.1.1:3260'], A1: ['127.0.1.2:3260'] });
});

test('single port failure, local: address moves to the other port on the same controller', () => {
  assert.deepEqual(servedMap(array('local', ['A0'])), { A0: 'A1', A1: 'A1', B0: 'B0', B1: 'B1' });
  assert.deepEqual(servedMap(array('local', ['A1'])), { A0: 'A0', A1: 'A0', B0: 'B0', B1: 'B1' });
  const plan = planIpFailover(array('local', ['A0']));
  assert.deepEqual(plan.failOver, []);
  assert.deepEqual(listenersFor(plan, 'A'), { A1: ['127.0.1.1:3260', '127.0.1.2:3260'] });
});

test('remote: any port down fails the whole controller over to the corresponding peer ports', () => {
  const plan = planIpFailover(array('remote', ['A0']));
  assert.deepEqual(plan.failOver, ['A']);
  assert.deepEqual(servedMap(array('remote', ['A0'])), { A0: 'B0', A1: 'B1', B0: 'B0', B1: 'B1' });
  assert.equal(plan.placements[0]!.reason, 'controller-failover');
});

test('both: local first, remote when the last port fails (double port failure)', () => {
  assert.deepEqual(planIpFailover(array('both', ['A0'])).failOver, []);
  assert.deepEqual(servedMap(array('both', ['A0'])), { A0: 'A1', A1: 'A1', B0: 'B0', B1: 'B1' });
  assert.deepEqual(planIpFailover(array('both', ['A0', 'A1'])).failOver, ['A']);
  assert.deepEqual(servedMap(array('both', ['A0', 'A1'])), { A0: 'B0', A1: 'B1', B0: 'B0', B1: 'B1' });
});

test('none: nothing moves; local never goes remote', () => {
  assert.deepEqual(servedMap(array('none', ['A0'])), { A0: null, A1: 'A1', B0: 'B0', B1: 'B1' });
  assert.deepEqual(planIpFailover(array('local', ['A0', 'A1'])).failOver, []);
  assert.deepEqual(servedMap(array('local', ['A0', 'A1'])), { A0: null, A1: null, B0: 'B0', B1: 'B1' });
});

test('controller failure: addresses go to the corresponding peer ports, whatever the mode', () => {
  for (const m of ['local', 'remote', 'both', 'none'] as const) {
    const plan = planIpFailover(array(m, [], ['B']));
    assert.deepEqual(plan.failOver, ['B']);
    assert.deepEqual(servedMap(array(m, [], ['B'])), { A0: 'A0', A1: 'A1', B0: 'A0', B1: 'A1' });
    assert.deepEqual(listenersFor(plan, 'A'), { A0: ['127.0.1.1:3260', '127.0.2.1:3260'], A1: ['127.0.1.2:3260', '127.0.2.2:3260'] });
  }
});

test('triple port failure: all addresses on the remaining port', () => {
  const cs = array('both', ['A0', 'A1', 'B0']);
  const plan = planIpFailover(cs);
  assert.deepEqual(plan.failOver, ['A']);
  assert.deepEqual(servedMap(cs), { A0: 'B1', A1: 'B1', B0: 'B1', B1: 'B1' });
  assert.deepEqual(plan.stranded, []);
});

test('both controllers down: everything unserved and both stranded', () => {
  const plan = planIpFailover(array('both', [], ['A', 'B']));
  assert.deepEqual(plan.stranded, ['A', 'B']);
  assert.ok(plan.placements.every((p) => p.servedBy === null && p.reason === 'unserved'));
  assert.equal(mustFailOverEntirely(array('none', ['A0'])[0]!), false);
});

test('property: a served address is always served by a healthy controller on an up port; each address placed once', () => {
  const ports = ['A0', 'A1', 'B0', 'B1'];
  fc.assert(fc.property(fc.subarray(ports), fc.subarray(['A', 'B']), fc.constantFrom<IpFailoverMode>('local', 'remote', 'both', 'none'),
    fc.constantFrom<IpFailoverMode>('local', 'remote', 'both', 'none'), (down, unhealthy, ma, mb) => {
      const cs = array(ma, down, unhealthy, mb);
      const plan = planIpFailover(cs);
      assert.equal(plan.placements.length, 4);
      assert.equal(new Set(plan.placements.map((p) => p.address)).size, 4);
      for (const p of plan.placements) {
        if (!p.servedBy) continue;
        const c = cs.find((x) => x.name === p.servedBy!.controller)!;
        assert.ok(c.healthy && !plan.failOver.includes(c.name));
        assert.ok(c.ports.find((q) => q.name === p.servedBy!.port)!.linkUp);
      }
      // with one healthy controller that has an up port, every address of a failed-over controller is served
      for (const f of plan.failOver) {
        if (plan.stranded.includes(f)) continue;
        assert.ok(plan.placements.filter((p) => p.homeController === f).every((p) => p.servedBy !== null));
      }
    }));
});
