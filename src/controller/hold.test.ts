// The hold table (hold.ts): when a routed command waits instead of being answered.
// Prevents NOT READY reaching a host while a volume changes hands, while this
// controller's back end is failed and the volume is moving away, or while the owner is
// alive but unreachable; and prevents holding where waiting cannot help (a dead owner is
// taken over at once; modes 1 and 3 answer without the owner; a visible drill transition).
import test from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerHealth, VolumeOwnership } from '../cluster/index.js';
import { HOLD_LIMIT_MS, holdReason, type HoldFacts } from './hold.js';

const vol = (o: Partial<VolumeOwnership> = {}): VolumeOwnership =>
  ({ volumeId: 'v1', preferredOwner: 'A', currentOwner: 'A', epoch: 1, transitioning: false, autoTrespass: false, ...o });
const facts = (o: Partial<Omit<HoldFacts, 'health'>> & { health?: Record<string, ControllerHealth> } = {}): HoldFacts => ({
  self: 'B', volume: vol(), peerLinkUp: true, transitionVisible: false, nonOwnerServes: true, ...o, health: { A: 'online', B: 'online', ...o.health },
});

test('a transition is held unless the operator made it visible to an ALUA host', () => {
  assert.equal(holdReason(facts({ volume: vol({ transitioning: true }) })), 'transitioning');
  assert.equal(holdReason(facts({ self: 'A', volume: vol({ transitioning: true }) })), 'transitioning', 'on the old owner too');
  assert.equal(holdReason(facts({ volume: vol({ transitioning: true }), transitionVisible: true })), undefined, 'the drill: NOT READY 04h/0Ah as SPC-4 describes it');
});

test('settled ownership with a reachable owner is decided at once', () => {
  assert.equal(holdReason(facts()), undefined, 'non-owner forwards');
  assert.equal(holdReason(facts({ self: 'A' })), undefined, 'owner runs it');
});

test('the owner alive but unreachable: held for hosts served through the non-owner only', () => {
  assert.equal(holdReason(facts({ peerLinkUp: false })), 'owner-unreachable');
  assert.equal(holdReason(facts({ health: { A: 'starting' } })), 'owner-unreachable');
  assert.equal(holdReason(facts({ peerLinkUp: false, nonOwnerServes: false })), undefined, 'modes 1 and 3 answer without the owner');
  for (const dead of ['failed', 'fenced', 'disabled'] as const) {
    assert.equal(holdReason(facts({ peerLinkUp: false, health: { A: dead } })), undefined, `a ${dead} owner is taken over, not waited for`);
  }
});

test('this controller lost the back end: held while the volume moves to the peer, or while the owner cannot be reached', () => {
  assert.equal(holdReason(facts({ self: 'A', health: { A: 'backend-failed' } })), 'backend-moving');
  assert.equal(holdReason(facts({ self: 'A', health: { A: 'backend-failed', B: 'failed' } })), undefined, 'no peer to move to');
  assert.equal(holdReason(facts({ self: 'A', peerLinkUp: false, health: { A: 'backend-failed' } })), undefined, 'no move without the link');
  assert.equal(holdReason(facts({ health: { B: 'backend-failed' } })), undefined, 'non-owner without back end forwards');
  assert.equal(holdReason(facts({ peerLinkUp: false, nonOwnerServes: false, health: { B: 'backend-failed' } })), 'owner-unreachable');
});

test('the bound is the implicit transition time RTPG reports (10 s)', () => {
  assert.equal(HOLD_LIMIT_MS, 10_000);
});
