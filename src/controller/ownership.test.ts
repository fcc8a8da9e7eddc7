import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  addVolume, aluaStateFor, choosePreferredOwner, emptyModel, failback, move, OwnershipError, ownedBy, setTransitioning,
  takeOverAll, trespass, type OwnershipModel, type OwnershipResult,
} from './ownership.js';

function ok(r: OwnershipResult): Extract<OwnershipResult, { ok: true }> {
  if (!r.ok) throw r.error;
  return r;
}

function model(): OwnershipModel {
  let m = emptyModel(['A', 'B']);
  m = ok(addVolume(m, 'v1', 'A')).model;
  m = ok(addVolume(m, 'v2', 'B')).model;
  m = ok(addVolume(m, 'v3', 'A', true)).model;
  return m;
}

test('addVolume: owned by preferred owner at epoch 1; typed errors for duplicates and unknown controllers', () => {
  const m = model();
  assert.deepEqual(m.volumes.v3, { volumeId: 'v3', preferredOwner: 'A', currentOwner: 'A', epoch: 1, transitioning: false, autoTrespass: true });
  const dup = addVolume(m, 'v1', 'B');
  assert.ok(!dup.ok && dup.error instanceof OwnershipError && dup.error.code === 'OWNERSHIP_DUPLICATE_VOLUME' && dup.error.httpStatus === 409);
  const unk = addVolume(m, 'v9', 'C');
  assert.ok(!unk.ok && unk.error.code === 'OWNERSHIP_UNKNOWN_CONTROLLER');
  assert.deepEqual(JSON.parse(JSON.stringify(m)), m);
});

test('choosePreferredOwner picks the controller with fewer preferred volumes, skipping failed ones', () => {
  const m = model();
  assert.equal(choosePreferredOwner(m), 'B');
  assert.equal(choosePreferredOwner(m, { B: 'failed' }), 'A');
  assert.equal(choosePreferredOwner(emptyModel(['A', 'B'])), 'A');
});

test('trespass changes current owner, bumps epoch, keeps preferred owner; refusals are typed values', () => {
  const m = model();
  const r = ok(trespass(m, 'v1', 'B', 'manual'));
  assert.deepEqual(r.moves, [{ volumeId: 'v1', from: 'A', to: 'B', reason: 'manual', fromEpoch: 1, toEpoch: 2 }]);
  assert.equal(r.model.volumes.v1!.currentOwner, 'B');
  assert.equal(r.model.volumes.v1!.preferredOwner, 'A');
  assert.equal(m.volumes.v1!.currentOwner, 'A', 'input not mutated');
  const codes = [
    trespass(m, 'nope', 'B', 'manual'), trespass(m, 'v1', 'A', 'manual'), trespass(m, 'v1', 'Z', 'manual'),
    trespass(ok(setTransitioning(m, 'v1', true)).model, 'v1', 'B', 'manual'), trespass(m, 'v1', 'B', 'manual', { B: 'failed' }),
  ].map((x) => (x.ok ? 'ok' : x.error.code));
  assert.deepEqual(codes, ['OWNERSHIP_UNKNOWN_VOLUME', 'OWNERSHIP_ALREADY_OWNER', 'OWNERSHIP_UNKNOWN_CONTROLLER',
    'OWNERSHIP_TRANSITIONING', 'OWNERSHIP_CONTROLLER_UNAVAILABLE']);
});

test('move changes the preferred owner and trespasses when needed', () => {
  const m = model();
  const r = ok(move(m, 'v1', 'B'));
  assert.equal(r.model.volumes.v1!.preferredOwner, 'B');
  assert.equal(r.model.volumes.v1!.currentOwner, 'B');
  assert.equal(r.moves[0]!.reason, 'move');
  const r2 = ok(move(ok(trespass(m, 'v1', 'B', 'manual')).model, 'v1', 'B'));
  assert.deepEqual(r2.moves, []);
  assert.equal(r2.model.volumes.v1!.preferredOwner, 'B');
});

test('takeOverAll moves every volume of the failed controller; failback returns only preferred ones', () => {
  const m = model();
  const t = ok(takeOverAll(m, 'A', 'B'));
  assert.deepEqual(t.moves.map((x) => [x.volumeId, x.from, x.to, x.reason]), [['v1', 'A', 'B', 'controller-failure'], ['v3', 'A', 'B', 'controller-failure']]);
  assert.deepEqual(ownedBy(t.model, 'B'), ['v1', 'v2', 'v3']);
  assert.deepEqual(ownedBy(t.model, 'A'), []);
  // preferred ownership does not change on a controller failure (DS300 note)
  assert.equal(t.model.volumes.v1!.preferredOwner, 'A');
  const f = ok(failback(t.model, 'A'));
  assert.deepEqual(f.moves.map((x) => [x.volumeId, x.to, x.reason, x.toEpoch]), [['v1', 'A', 'failback', 3], ['v3', 'A', 'failback', 3]]);
  assert.deepEqual(ownedBy(f.model, 'A'), ['v1', 'v3']);
  const refused = failback(t.model, 'A', { A: 'disabled' });
  assert.ok(!refused.ok && refused.error.code === 'OWNERSHIP_CONTROLLER_UNAVAILABLE');
  const same = takeOverAll(m, 'A', 'A');
  assert.ok(!same.ok && same.error.code === 'OWNERSHIP_SAME_CONTROLLER');
});

test('property: any sequence of operations keeps exactly one known owner per volume and epochs increasing', () => {
  const op = fc.oneof(
    fc.record({ k: fc.constant('trespass' as const), v: fc.constantFrom('v1', 'v2', 'v3'), to: fc.constantFrom('A', 'B') }),
    fc.record({ k: fc.constant('move' as const), v: fc.constantFrom('v1', 'v2', 'v3'), to: fc.constantFrom('A', 'B') }),
    fc.record({ k: fc.constant('takeover' as const), from: fc.constantFrom('A', 'B') }),
    fc.record({ k: fc.constant('failback' as const), to: fc.constantFrom('A', 'B') }),
  );
  fc.assert(fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
    let m = model();
    for (const o of ops) {
      const before = m;
      const r = o.k === 'trespass' ? trespass(m, o.v, o.to, 'manual') : o.k === 'move' ? move(m, o.v, o.to)
        : o.k === 'takeover' ? takeOverAll(m, o.from, o.from === 'A' ? 'B' : 'A') : failback(m, o.to);
      if (!r.ok) continue;
      m = r.model;
      for (const mv of r.moves) {
        assert.equal(before.volumes[mv.volumeId]!.epoch, mv.fromEpoch);
        assert.equal(m.volumes[mv.volumeId]!.epoch, mv.toEpoch);
        assert.equal(mv.toEpoch, mv.fromEpoch + 1);
      }
      for (const v of Object.values(m.volumes)) assert.ok(['A', 'B'].includes(v.currentOwner));
    }
    assert.equal(ownedBy(m, 'A').length + ownedBy(m, 'B').length, 3);
  }));
});

test('aluaStateFor: the table of docs/ha.md "Ownership and ALUA"', () => {
  const v = model().volumes.v1!; // owner A
  const up = { A: 'online', B: 'online' } as const;
  assert.equal(aluaStateFor(v, 'A', up), 'active-optimized');
  assert.equal(aluaStateFor(v, 'B', up), 'active-non-optimized');
  assert.equal(aluaStateFor(v, 'B', up, { nonOwnerState: 'standby' }), 'standby');
  assert.equal(aluaStateFor({ ...v, transitioning: true }, 'A', up), 'transitioning');
  assert.equal(aluaStateFor({ ...v, transitioning: true }, 'B', up), 'transitioning');
  for (const dead of ['failed', 'disabled', 'fenced', 'starting'] as const) {
    assert.equal(aluaStateFor(v, 'B', { ...up, B: dead }), 'unavailable');
    assert.equal(aluaStateFor(v, 'A', { ...up, A: dead }), 'unavailable');
  }
  // back end lost on the owner: standby (DS300); on the non-owner it still forwards
  assert.equal(aluaStateFor(v, 'A', { ...up, A: 'backend-failed' }), 'standby');
  assert.equal(aluaStateFor({ ...v, currentOwner: 'B' }, 'A', { ...up, A: 'backend-failed' }), 'active-non-optimized');
  assert.equal(aluaStateFor({ ...v, currentOwner: 'B' }, 'A', { ...up, A: 'backend-failed' }, {}, { peerLinkUp: false }), 'standby');
  // link cut: non-owner cannot forward
  assert.equal(aluaStateFor(v, 'B', up, {}, { peerLinkUp: false }), 'standby');
  assert.equal(aluaStateFor(v, 'A', up, {}, { peerLinkUp: false }), 'active-optimized');
  // owner dead, not yet taken over: nowhere to forward
  assert.equal(aluaStateFor(v, 'B', { ...up, A: 'failed' }), 'standby');
  // B hosts A's ports after takeover of v1: A's group reports B's state
  const taken = { ...v, currentOwner: 'B', epoch: 2 };
  assert.equal(aluaStateFor(taken, 'A', { A: 'failed', B: 'online' }), 'unavailable');
  assert.equal(aluaStateFor(taken, 'A', { A: 'failed', B: 'online' }, {}, { hostedBy: 'B' }), 'active-optimized');
});
