import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { ManualClock, systemClock } from '../lib/clock.js';
import { createFailoverMachine } from './failover-machine.js';
import { bindPeerLink, FailoverRunner, type FailoverHandlers } from './failover-runner.js';
import { PeerLink } from './peer-link.js';
import { ControllerLease } from './lease.js';
import { openSharedStores } from './test-support/store-fixture.js';

function recorder(over: Partial<FailoverHandlers> = {}) {
  const calls: string[] = [];
  const h: FailoverHandlers = {
    checkPeerLease: () => { calls.push('check'); return false; },
    fencePeer: (p) => { calls.push(`fence ${p}`); },
    takeOverVolumes: (p) => { calls.push(`volumes from ${p}`); },
    takeOverAddresses: (p) => { calls.push(`addresses from ${p}`); },
    releaseAddresses: (p) => { calls.push(`release to ${p}`); },
    failbackVolumes: (p) => { calls.push(`failback to ${p}`); },
    recordEvent: (e) => { calls.push(`event ${e.short}`); },
    raiseAlert: (a) => { calls.push(`alert ${a.message}`); },
    clearAlert: (id) => { calls.push(`clear ${id}`); },
    ...over,
  };
  return { h, calls };
}

test('runner: tick timer drives heartbeat timeout; sync lease check and fence chain into takeover in order', () => {
  const clock = new ManualClock(0);
  const { h, calls } = recorder();
  const r = new FailoverRunner(createFailoverMachine({ self: 'A', peer: 'B', heartbeatTimeoutMs: 600, tickMs: 100 }, clock), h, clock);
  r.start();
  r.dispatch({ type: 'heartbeat' });
  clock.advance(600);
  assert.equal(r.snapshot.state, 'peer-alive');
  clock.advance(100);
  assert.equal(r.snapshot.state, 'peer-failed');
  assert.deepEqual(calls, [
    'event controller B is alive', 'event heartbeat lost on peer link', 'check', 'event controller B unresponsive', 'fence B',
    'volumes from B', 'addresses from B', 'event controller A takes over from failed controller B', 'alert controller B failed: waiting for operator enable',
  ]);
  r.stop();
});

test('runner: a throwing fence is fence-failed and retried; failback timer fires through the clock', async () => {
  const clock = new ManualClock(0);
  let fenceOk = false;
  const errors: string[] = [];
  const { h, calls } = recorder({
    fencePeer: async () => { if (!fenceOk) throw new Error('supervisor gone'); },
    onError: (e) => errors.push((e as Error).message),
  });
  const r = new FailoverRunner(createFailoverMachine({ self: 'A', peer: 'B', failback: 'auto', failbackDelayMs: 1000, fenceRetryMs: 500 }, clock), h, clock);
  r.start();
  r.dispatch({ type: 'heartbeat' });
  r.dispatch({ type: 'link-down' });
  await new Promise((res) => setImmediate(res));
  assert.deepEqual(errors, ['supervisor gone']);
  assert.equal(r.snapshot.state, 'fencing');
  assert.ok(!calls.some((c) => c.startsWith('volumes')));
  fenceOk = true;
  clock.advance(500);
  await new Promise((res) => setImmediate(res));
  assert.equal(r.snapshot.state, 'peer-failed');
  r.dispatch({ type: 'operator-enable' });
  r.dispatch({ type: 'peer-hello', incarnation: 'b2' });
  assert.ok(calls.includes('release to B'));
  for (let i = 0; i < 9; i++) { r.dispatch({ type: 'heartbeat' }); clock.advance(100); } // the peer keeps beating
  r.dispatch({ type: 'heartbeat' });
  clock.advance(99);
  assert.ok(!calls.includes('failback to B'));
  clock.advance(1);
  assert.ok(calls.includes('failback to B'));
  assert.equal(r.snapshot.state, 'peer-alive');
  r.stop();
});

test('end to end on loopback: B dies (link closes, lease lapses) ⇒ A fences and takes B\'s volumes in one transaction', async () => {
  const sh = openSharedStores(2);
  const [sa, sb] = sh.stores;
  const ids = ['v1', 'v2'].map((n) => sh.addVolume(n));
  sa!.ownership.insert({ volumeId: ids[0]!, preferredOwner: 'A' }, 0);
  sa!.ownership.insert({ volumeId: ids[1]!, preferredOwner: 'B' }, 0);
  const timing = { heartbeatIntervalMs: 20, heartbeatTimeoutMs: 150, reconnectDelayMs: 10, reconnectMaxDelayMs: 40 };
  const leaseA = new ControllerLease(sa!.leases, { name: 'A', holder: 'a1', clock: systemClock, leaseMs: 300, renewMs: 50 });
  const leaseB = new ControllerLease(sb!.leases, { name: 'B', holder: 'b1', clock: systemClock, leaseMs: 300, renewMs: 50 });
  leaseA.start(); leaseB.start();
  const linkA = new PeerLink({ self: 'A', peer: 'B', secret: 'x', listen: { host: '127.0.0.1', port: 0 }, ...timing });
  await linkA.start();
  const linkB = new PeerLink({ self: 'B', peer: 'A', secret: 'x', connect: linkA.address()!, ...timing });
  const events: string[] = [];
  const { h } = recorder({
    checkPeerLease: (p) => leaseA.isValid(p),
    fencePeer: (p) => { leaseA.fence(p); },
    takeOverVolumes: (p) => {
      const r = sa!.ownership.takeOverAll(p, 'A', Date.now(), { controller: 'A', leaseEpoch: leaseA.epoch! });
      events.push(`took ${r.ok ? r.moved.length : r.reason}`);
    },
    recordEvent: (e) => events.push(e.short),
  });
  const runner = new FailoverRunner(createFailoverMachine({ self: 'A', peer: 'B', tickMs: 20, heartbeatTimeoutMs: 150, leaseRecheckMs: 50 }, systemClock), h, systemClock);
  bindPeerLink(linkA, runner);
  runner.start();
  try {
    const up = once(linkA, 'up', { signal: AbortSignal.timeout(2000) });
    await linkB.start();
    await up;
    assert.equal(runner.snapshot.state, 'peer-alive');

    // link cut while B lives: no takeover (split brain avoided)
    linkA.cut();
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(runner.snapshot.state, 'peer-isolated');
    assert.equal(sa!.ownership.ownedBy('A').length, 1);
    const back = once(linkA, 'up', { signal: AbortSignal.timeout(2000) });
    linkA.restore();
    await back;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(runner.snapshot.state, 'peer-alive');

    // "SIGKILL" B: its socket closes and its lease stops being renewed
    const t0 = Date.now();
    leaseB.stop();
    await linkB.close();
    while (runner.snapshot.state !== 'peer-failed' && Date.now() - t0 < 2000) await new Promise((r) => setTimeout(r, 10));
    const elapsed = Date.now() - t0;
    assert.equal(runner.snapshot.state, 'peer-failed');
    assert.ok(elapsed < 1000, `takeover took ${elapsed} ms`);
    assert.deepEqual(sb!.ownership.ownedBy('A').map((r) => r.volumeId), ids);
    assert.ok(events.includes('took 1') && events.includes('controller A takes over from failed controller B'));
    assert.equal(leaseB.renew(), 'fenced', 'B, were it still running, would find itself fenced');
  } finally {
    runner.stop();
    leaseA.stop(); leaseB.stop();
    await linkB.close();
    await linkA.close();
    sh.close();
  }
});
