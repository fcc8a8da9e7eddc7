// HaRouter decisions: ALUA states per ownership/health, failover modes 1–4 on the
// non-owner, explicit ALUA (SET TARGET PORT GROUPS) trespass, and no takeover when the
// link is cut while the owner lives (split brain).
import test from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerHealth, FailoverMode, VolumeOwnership } from '../../cluster/index.js';
import type { LogicalUnit } from '../../scsi/logical-unit.js';
import type { ItNexus, ScsiCommand } from '../../scsi/types.js';
import { HaRouter, type HaRouterFacts } from './ha-router.js';

const LU = {} as LogicalUnit;
const nexus = { initiatorName: 'iqn.i' } as ItNexus;
const cmd = { nexus } as ScsiCommand;

function setup(o: { owner?: string; mode?: FailoverMode; link?: boolean; health?: Record<string, ControllerHealth>; threshold?: number } = {}) {
  const vol: { v: VolumeOwnership } = { v: { volumeId: 'v1', preferredOwner: 'A', currentOwner: o.owner ?? 'A', epoch: 1, transitioning: false, autoTrespass: false } };
  const trespasses: string[] = [];
  const facts: HaRouterFacts = {
    self: 'B',
    groups: [{ controller: 'A', tpgId: 1, relativePortIds: [1, 2] }, { controller: 'B', tpgId: 2, relativePortIds: [3, 4] }],
    volumeIdOf: () => 'v1',
    ownership: () => vol.v,
    health: () => ({ A: 'online', B: 'online', ...(o.health ?? {}) }),
    peerLinkUp: () => o.link ?? true,
    hosted: () => new Set(),
    nonOwnerState: () => 'active-non-optimized',
    failoverModeOf: () => o.mode ?? 4,
    forward: async () => ({ status: 0 }),
    trespass: async (_id, to, reason) => { trespasses.push(`${to}:${reason}`); vol.v = { ...vol.v, currentOwner: to }; },
  };
  return { router: new HaRouter(facts, o.threshold ?? 64000), trespasses };
}

test('ALUA: owner A active/optimized, live non-owner B active/non-optimized; link cut ⇒ standby', () => {
  assert.deepEqual(setup().router.targetPortGroups(LU).map((g) => [g.id, g.state, g.preferred]), [[1, 'active-optimized', true], [2, 'active-non-optimized', false]]);
  assert.equal(setup().router.aluaState(LU, nexus), 'active-non-optimized');
  assert.equal(setup({ link: false }).router.aluaState(LU, nexus), 'standby');
  assert.equal(setup({ owner: 'B' }).router.aluaState(LU, nexus), 'active-optimized');
});

test('failover modes on the non-owner: 1 reject, 3 TUR good, 2 trespass, 4 forward', () => {
  const tur = { name: 'TEST UNIT READY', opcode: 0 };
  const read = { name: 'READ(10)', opcode: 0x28 };
  assert.deepEqual(setup({ mode: 1 }).router.route(LU, cmd, tur), { kind: 'reject', reason: 'NotReadyManualIntervention' });
  assert.deepEqual(setup({ mode: 3 }).router.route(LU, cmd, tur), { kind: 'good' });
  assert.deepEqual(setup({ mode: 3 }).router.route(LU, cmd, read), { kind: 'reject', reason: 'NotReadyManualIntervention' });
  assert.equal(setup({ mode: 2 }).router.route(LU, cmd, read).kind, 'trespass');
  assert.equal(setup({ mode: 4 }).router.route(LU, cmd, read).kind, 'forward');
  assert.equal(setup({ owner: 'B', mode: 1 }).router.route(LU, cmd, read).kind, 'local');
});

test('mode 4: the non-owner always forwards (counted); the owner counts both sides and says when to trespass', async () => {
  const counted: boolean[] = [];
  const { router } = setup({ threshold: 3 });
  (router as unknown as { f: HaRouterFacts }).f.forward = async (_id, _c, c) => (counted.push(c), { status: 0 });
  const read = { name: 'READ(10)', opcode: 0x28 };
  for (let i = 0; i < 5; i++) {
    const d = router.route(LU, cmd, read);
    assert.equal(d.kind, 'forward');
    if (d.kind === 'forward') await d.forward(cmd);
  }
  assert.deepEqual(counted, [true, true, true, true, true]);
  // The owner's view (self = B owns v1): its own I/O counts for B, redirected I/O for A.
  const owner = setup({ owner: 'B', threshold: 3 }).router;
  assert.equal(owner.redirectedServed('v1', 'A'), false);
  assert.equal(owner.redirectedServed('v1', 'A'), false);
  assert.equal(owner.route(LU, cmd, read).kind, 'local', 'one local I/O on the owner');
  assert.equal(owner.redirectedServed('v1', 'A'), false, '3 redirected - 1 local = 2 < 3');
  assert.equal(owner.redirectedServed('v1', 'A'), true, '4 - 1 = 3: trespass');
  assert.deepEqual(owner.counter.countsFor('v1'), {}, 'counts start over');
  owner.setThreshold(1);
  assert.equal(owner.redirectedServed('v1', 'A'), true);
  const read2 = { name: 'READ(10)', opcode: 0x28 };
  assert.deepEqual(setup({ link: false, mode: 2 }).router.route(LU, cmd, read2), { kind: 'reject', reason: 'NotReadyAluaStandby' });
  assert.equal(setup({ link: false, mode: 2, health: { A: 'failed' } }).router.route(LU, cmd, read2).kind, 'trespass');
});

test('SET TARGET PORT GROUPS: active/optimized for group 2 trespasses to B; unknown group is an error', async () => {
  const { router, trespasses } = setup();
  assert.equal(await router.setTargetPortGroups(LU, nexus, [{ tpgId: 2, state: 'active-optimized' }]), undefined);
  assert.deepEqual(trespasses, ['B:explicit-alua']);
  assert.equal(await router.setTargetPortGroups(LU, nexus, [{ tpgId: 9, state: 'active-optimized' }]), 'InvalidFieldInParameterList');
});

test('holding: a transition is held unless the drill makes it visible to a mode-4 host; a lost back end makes a failed local run retry elsewhere', async () => {
  const { router } = setup();
  const f = (router as unknown as { f: HaRouterFacts }).f;
  const moving: VolumeOwnership = { volumeId: 'v1', preferredOwner: 'A', currentOwner: 'A', epoch: 1, transitioning: true, autoTrespass: false };
  f.ownership = () => moving;
  assert.equal(router.holdReason(LU, nexus), 'transitioning');
  f.transitionHoldMs = () => 3000;
  assert.equal(router.holdReason(LU, nexus), undefined, 'policy --transition-hold: an ALUA host sees NOT READY 04h/0Ah');
  f.failoverModeOf = () => 1;
  assert.equal(router.holdReason(LU, nexus), 'transitioning', 'a host outside ALUA never sees the transition');
  assert.equal(setup({ link: false }).router.holdReason(LU, nexus), 'owner-unreachable');
  assert.equal(setup({ link: false, mode: 1 }).router.holdReason(LU, nexus), undefined);
  assert.equal(router.holdLimitMs, 10_000);

  let woke = false;
  void router.changed().then(() => (woke = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(woke, false);
  router.factsChanged();
  await new Promise((r) => setImmediate(r));
  assert.equal(woke, true, 'held commands wake at every change of the facts');

  const medium = { status: 2, sense: Buffer.from([0x70, 0, 0x03, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x11, 0]) };
  assert.equal(setup({ health: { B: 'backend-failed' } }).router.retryElsewhere(LU, medium), true);
  assert.equal(setup().router.retryElsewhere(LU, medium), false, 'a medium error with the back end reachable is the answer');
  assert.equal(setup({ health: { B: 'backend-failed' } }).router.retryElsewhere(LU, { status: 0 }), false);
});
