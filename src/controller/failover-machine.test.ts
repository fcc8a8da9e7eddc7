import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ManualClock } from '../lib/clock.js';
import {
  createFailoverMachine, volumesFailedBack, type FailoverConfig, type FailoverEffect, type FailoverEvent, type FailoverSnapshot,
} from './failover-machine.js';

const cfg: FailoverConfig = { self: 'A', peer: 'B', heartbeatTimeoutMs: 600, tickMs: 100, startupGraceMs: 2000, leaseRecheckMs: 200, fenceRetryMs: 500 };

function harness(config: FailoverConfig = cfg) {
  const clock = new ManualClock(1_000_000);
  const m = createFailoverMachine(config, clock);
  let [s, fx] = m.initial();
  const log: FailoverEffect[] = [...fx];
  return {
    clock,
    get s(): FailoverSnapshot { return s; },
    send(e: FailoverEvent, advanceMs = 0): FailoverEffect[] {
      clock.advance(advanceMs);
      [s, fx] = m.transition(s, e);
      log.push(...fx);
      assert.deepEqual(JSON.parse(JSON.stringify(s)), s, 'snapshot is JSON');
      return fx;
    },
    log,
  };
}
const types = (fx: FailoverEffect[]) => fx.map((f) => f.type);

test('starts in peer-unknown with a repeating tick timer; heartbeat ⇒ peer-alive', () => {
  const h = harness();
  assert.equal(h.s.state, 'peer-unknown');
  assert.deepEqual(h.log, [{ type: 'start-timer', timer: 'tick', ms: 100, repeat: true }]);
  h.send({ type: 'link-up' });
  const fx = h.send({ type: 'heartbeat', seq: 1 });
  assert.equal(h.s.state, 'peer-alive');
  assert.deepEqual(types(fx), ['record-event']);
});

test('heartbeat timeout ⇒ suspect ⇒ lease expired ⇒ fence ⇒ takeover, event and alert', () => {
  const h = harness();
  h.send({ type: 'heartbeat' });
  assert.deepEqual(h.send({ type: 'tick' }, 600), [], 'exactly at the timeout: not yet');
  const fx = h.send({ type: 'tick' }, 1);
  assert.equal(h.s.state, 'peer-suspect');
  assert.deepEqual(types(fx), ['record-event', 'check-peer-lease']);
  assert.equal((fx[0] as { short: string }).short, 'heartbeat lost on peer link');
  const f2 = h.send({ type: 'lease-check', peerLeaseValid: false });
  assert.equal(h.s.state, 'fencing');
  assert.deepEqual(f2.at(-1), { type: 'fence-peer', peer: 'B' });
  assert.ok(!types(f2).includes('take-over-volumes'), 'no takeover before the fence is confirmed');
  const f3 = h.send({ type: 'fence-done' });
  assert.equal(h.s.state, 'peer-failed');
  assert.deepEqual(types(f3), ['take-over-volumes', 'take-over-addresses', 'record-event', 'raise-alert']);
  assert.ok(f3.some((f) => f.type === 'record-event' && f.short === 'controller A takes over from failed controller B'));
  assert.ok(f3.some((f) => f.type === 'raise-alert' && f.message === 'controller B failed: waiting for operator enable'));
  assert.ok(h.s.holdsPeerVolumes && h.s.holdsPeerAddresses);
});

test('split brain: link lost but peer lease valid ⇒ isolated, no fencing, no takeover; rechecks; heals on heartbeat', () => {
  const h = harness();
  h.send({ type: 'heartbeat' });
  h.send({ type: 'link-down', reason: 'peer link cut' }, 10);
  assert.equal(h.s.state, 'peer-suspect');
  const fx = h.send({ type: 'lease-check', peerLeaseValid: true });
  assert.equal(h.s.state, 'peer-isolated');
  assert.deepEqual(types(fx), [], 'not reported yet: a dead or hung peer keeps a valid lease for a lease period');
  for (let i = 0; i < 20; i++) {
    const t = h.send({ type: 'tick' }, 100);
    // Reported once, when the isolation has lasted isolationReportMs (default 1000 ms).
    if (i === 9) assert.deepEqual(types(t), ['record-event', 'raise-alert', 'check-peer-lease']);
    else for (const f of t) assert.equal(f.type, 'check-peer-lease');
    h.send({ type: 'lease-check', peerLeaseValid: true });
  }
  assert.ok(h.log.some((f) => f.type === 'record-event' && f.short === 'peer link to controller B lost, peer alive'));
  assert.ok(!h.log.some((f) => ['fence-peer', 'take-over-volumes', 'take-over-addresses'].includes(f.type)));
  assert.ok(h.log.filter((f) => f.type === 'check-peer-lease').length >= 10, 'keeps re-checking the lease');
  const back = h.send({ type: 'heartbeat' });
  assert.equal(h.s.state, 'peer-alive');
  assert.ok(types(back).includes('clear-alert'));
  assert.deepEqual(h.s.openAlerts, []);
});

test('isolated peer that stops renewing (hung) is fenced once its lease expires', () => {
  const h = harness();
  h.send({ type: 'heartbeat' });
  h.send({ type: 'link-down' });
  h.send({ type: 'lease-check', peerLeaseValid: true });
  h.send({ type: 'tick' }, 200);
  const fx = h.send({ type: 'lease-check', peerLeaseValid: false });
  assert.equal(h.s.state, 'fencing');
  assert.ok(types(fx).includes('fence-peer'));
  assert.ok(!h.log.some((f) => f.type === 'raise-alert' || (f.type === 'record-event' && /peer alive/.test(f.short))), 'a hung peer was never called alive');
});

test('a peer that dies: its lease is still valid at the first check, the fence agent reports it a moment later; "peer alive" is never said', () => {
  const h = harness();
  h.send({ type: 'heartbeat' });
  h.send({ type: 'link-down', reason: 'peer link closed' });
  h.send({ type: 'lease-check', peerLeaseValid: true });
  h.send({ type: 'tick' }, 100);
  h.send({ type: 'peer-fenced', why: 'controller B process killed by SIGKILL' }, 10);
  assert.equal(h.s.state, 'peer-failed');
  assert.ok(!h.log.some((f) => (f.type === 'raise-alert' && f.id === 'peer-link-lost:B') || (f.type === 'record-event' && /peer alive/.test(f.short))));
});

test('fence failure: critical event and alert, retried on ticks, never takes over until fence-done', () => {
  const h = harness();
  h.send({ type: 'heartbeat' });
  h.send({ type: 'link-down' });
  h.send({ type: 'lease-check', peerLeaseValid: false });
  const f = h.send({ type: 'fence-failed', error: 'supervisor unreachable' });
  assert.deepEqual(types(f), ['record-event', 'raise-alert']);
  assert.deepEqual(h.send({ type: 'tick' }, 100), []);
  assert.deepEqual(h.send({ type: 'tick' }, 400), [{ type: 'fence-peer', peer: 'B' }]);
  assert.equal(h.s.state, 'fencing');
  assert.deepEqual(h.send({ type: 'heartbeat' }), [], 'a heartbeat cannot cancel a fence under way');
  const done = h.send({ type: 'fence-done' });
  assert.ok(types(done).includes('clear-alert'));
  assert.equal(h.s.state, 'peer-failed');
});

test('peer never shows up after start ⇒ suspect after startupGraceMs', () => {
  const h = harness();
  assert.deepEqual(h.send({ type: 'tick' }, 2000), []);
  const fx = h.send({ type: 'tick' }, 100);
  assert.equal(h.s.state, 'peer-suspect');
  assert.ok(types(fx).includes('check-peer-lease'));
});

function failedHarness(config: FailoverConfig = cfg) {
  const h = harness(config);
  h.send({ type: 'heartbeat' });
  h.send({ type: 'link-down' });
  h.send({ type: 'lease-check', peerLeaseValid: false });
  h.send({ type: 'fence-done' });
  return h;
}

test('manual failback: enable ⇒ rejoining; hello ⇒ release addresses, volumes stay, peer-alive', () => {
  const h = failedHarness();
  assert.deepEqual(h.send({ type: 'peer-hello', incarnation: 'x' }).length > 0, true);
  const h2 = failedHarness();
  const en = h2.send({ type: 'operator-enable' });
  assert.equal(h2.s.state, 'peer-rejoining');
  assert.ok(en.some((f) => f.type === 'clear-alert' && f.id === 'controller-failed:B'));
  assert.deepEqual(h2.send({ type: 'tick' }, 5000), [], 'no heartbeat timeout before the peer says hello');
  const hello = h2.send({ type: 'peer-hello', incarnation: 'boot-2' });
  assert.deepEqual(types(hello), ['release-addresses', 'record-event']);
  assert.equal(h2.s.state, 'peer-alive');
  assert.ok(h2.s.holdsPeerVolumes && !h2.s.holdsPeerAddresses);
  assert.equal(volumesFailedBack(h2.s).holdsPeerVolumes, false);
});

test('auto failback: hello ⇒ release addresses and start failback timer; timer ⇒ failback volumes', () => {
  const h = failedHarness({ ...cfg, failback: 'auto', failbackDelayMs: 300 });
  h.send({ type: 'operator-enable' });
  const hello = h.send({ type: 'peer-hello', incarnation: 'boot-2' });
  assert.deepEqual(types(hello), ['release-addresses', 'record-event', 'start-timer']);
  assert.deepEqual(hello.at(-1), { type: 'start-timer', timer: 'failback', ms: 300, repeat: false });
  assert.equal(h.s.state, 'peer-rejoining');
  h.send({ type: 'heartbeat' }, 100);
  const fb = h.send({ type: 'failback-timer' }, 200);
  assert.deepEqual(types(fb), ['failback-volumes', 'record-event']);
  assert.equal(h.s.state, 'peer-alive');
  assert.equal(h.s.holdsPeerVolumes, false);
});

test('rejoining peer that dies again is detected and taken over again', () => {
  const h = failedHarness({ ...cfg, failback: 'auto', failbackDelayMs: 10_000 });
  h.send({ type: 'peer-hello', incarnation: 'boot-2' });
  h.send({ type: 'link-down' }, 50);
  assert.equal(h.s.state, 'peer-suspect');
  h.send({ type: 'lease-check', peerLeaseValid: false });
  const fx = h.send({ type: 'fence-done' });
  assert.deepEqual(types(fx).filter((t) => t.startsWith('take-over')), ['take-over-volumes', 'take-over-addresses'], 'takeover is idempotent: the volumes are taken again whatever was held');
});

test('operator disable ⇒ takeover without alert; enable + hello ⇒ rejoin', () => {
  const h = harness();
  h.send({ type: 'heartbeat' });
  const fx = h.send({ type: 'operator-disable' });
  assert.equal(h.s.state, 'peer-disabled');
  assert.ok(types(fx).includes('take-over-volumes') && types(fx).includes('take-over-addresses'));
  assert.ok(!types(fx).includes('raise-alert'));
  assert.deepEqual(h.send({ type: 'tick' }, 10_000), []);
  h.send({ type: 'operator-enable' });
  h.send({ type: 'peer-hello', incarnation: 'b2' });
  assert.equal(h.s.state, 'peer-alive');
});

test('peer restart noticed only by a new incarnation in hello is recorded', () => {
  const h = harness();
  h.send({ type: 'peer-hello', incarnation: 'b1' });
  assert.equal(h.s.state, 'peer-alive');
  const fx = h.send({ type: 'peer-hello', incarnation: 'b2' });
  assert.ok(fx.some((f) => f.type === 'record-event' && f.short === 'controller B restarted'));
});

test('property: takeover effects only ever follow a fence-done; alerts raised/cleared balance with openAlerts', () => {
  const ev = fc.oneof(
    fc.constant<FailoverEvent>({ type: 'heartbeat' }), fc.constant<FailoverEvent>({ type: 'tick' }),
    fc.constant<FailoverEvent>({ type: 'link-up' }), fc.constant<FailoverEvent>({ type: 'link-down' }),
    fc.boolean().map<FailoverEvent>((v) => ({ type: 'lease-check', peerLeaseValid: v })),
    fc.constant<FailoverEvent>({ type: 'fence-done' }), fc.constant<FailoverEvent>({ type: 'fence-failed', error: 'x' }),
    fc.constant<FailoverEvent>({ type: 'operator-enable' }), fc.constant<FailoverEvent>({ type: 'peer-hello', incarnation: 'i' }),
    fc.constant<FailoverEvent>({ type: 'failback-timer' }),
  );
  fc.assert(fc.property(fc.array(fc.tuple(ev, fc.integer({ min: 0, max: 800 })), { maxLength: 60 }), (steps) => {
    const h = harness({ ...cfg, failback: 'auto' });
    const open = new Set<string>();
    for (const [e, dt] of steps) {
      const prev = h.s.state;
      const fx = h.send(e, dt);
      if (fx.some((f) => f.type === 'take-over-volumes')) assert.ok(prev === 'fencing' && e.type === 'fence-done');
      if (fx.some((f) => f.type === 'fence-peer')) assert.ok(prev === 'fencing' || (e.type === 'lease-check' && !e.peerLeaseValid));
      for (const f of fx) {
        if (f.type === 'raise-alert') { assert.ok(!open.has(f.id)); open.add(f.id); }
        if (f.type === 'clear-alert') { assert.ok(open.has(f.id)); open.delete(f.id); }
      }
      assert.deepEqual([...open].sort(), [...h.s.openAlerts].sort());
    }
  }));
});

test('peer-fenced (the fence agent saw the process exit): takeover at once from any live state, idempotent', () => {
  for (const start of ['peer-alive', 'peer-suspect', 'peer-isolated', 'peer-unknown'] as const) {
    const h = harness();
    if (start !== 'peer-unknown') h.send({ type: 'heartbeat' });
    if (start === 'peer-suspect' || start === 'peer-isolated') h.send({ type: 'link-down', reason: 'cut' });
    if (start === 'peer-isolated') h.send({ type: 'lease-check', peerLeaseValid: true });
    assert.equal(h.s.state, start);
    const fx = h.send({ type: 'peer-fenced', why: 'controller B process killed by SIGKILL' });
    assert.equal(h.s.state, 'peer-failed');
    assert.deepEqual(types(fx).filter((t) => t.startsWith('take-over')), ['take-over-volumes', 'take-over-addresses']);
    assert.ok(fx.some((f) => f.type === 'raise-alert' && f.id === 'controller-failed:B'));
    assert.ok(!h.s.openAlerts.includes('peer-link-lost:B'));
    assert.deepEqual(h.send({ type: 'peer-fenced', why: 'again' }), [], 'a second report changes nothing');
  }
});

test('a second failure after a manual failback takes the volumes over again', () => {
  const h = harness({ ...cfg, failback: 'manual' });
  h.send({ type: 'heartbeat' });
  h.send({ type: 'peer-fenced', why: 'exit' });
  h.send({ type: 'operator-enable' });
  h.send({ type: 'link-up' });
  h.send({ type: 'peer-hello', incarnation: 'b2' });
  assert.equal(h.s.state, 'peer-alive');
  const fx = h.send({ type: 'peer-fenced', why: 'exit again' });
  assert.ok(types(fx).includes('take-over-volumes'));
});
