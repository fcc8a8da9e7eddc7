// The LU state value and what each event of the logical unit leaves of it (lu-state.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  commitResponse, emptyLuState, isDurableUa, luStateAfterNexusLoss, luStateAfterPowerOn, luStateAfterReset, luStateFromParts,
  luStateKeepingNexuses, type LuStateJson,
} from './lu-state.js';
import { emptyPrState } from './pr/pr-state.js';
import { DEFAULT_MODE } from './spc/mode-state.js';

const HOLDER = 'iqn.x:h,i,0x1|iqn.t,t,0x0001';

function state(over: { aptpl?: boolean; holder?: string | null; wce?: boolean } = {}): LuStateJson {
  return {
    version: 1,
    pr: {
      ...emptyPrState(), generation: 7, aptpl: over.aptpl ?? false,
      registrations: [{ key: '0000000000001111', initiatorPort: 'iqn.x:h,i,0x1', targetPort: 'iqn.t,t,0x0001', relativeTargetPortId: 1, transportId: '', allTgPt: false }],
      reservation: { type: 1, holder: { initiatorPort: 'iqn.x:h,i,0x1', targetPort: 'iqn.t,t,0x0001' } },
    },
    spc2Holder: over.holder === undefined ? HOLDER : over.holder,
    mode: { ...DEFAULT_MODE, wce: over.wce ?? false },
  };
}

test('power on of the whole array: PR state only with APTPL, no SPC-2 reservation, default mode values', () => {
  assert.deepEqual(luStateAfterPowerOn(state({ aptpl: false })), emptyLuState());
  const kept = luStateAfterPowerOn(state({ aptpl: true }));
  assert.deepEqual(kept.pr, state({ aptpl: true }).pr);
  assert.equal(kept.spc2Holder, null);
  assert.deepEqual(kept.mode, DEFAULT_MODE);
  assert.deepEqual(luStateAfterPowerOn(undefined), emptyLuState());
});

test('a LU reset releases the SPC-2 reservation and keeps PR state and mode values; nothing to do without one', () => {
  const r = luStateAfterReset(state())!;
  assert.equal(r.spc2Holder, null);
  assert.deepEqual(r.pr, state().pr);
  assert.equal(r.mode.wce, false);
  assert.equal(luStateAfterReset(state({ holder: null })), undefined);
});

test('I_T nexus loss releases only that nexus\'s SPC-2 reservation; PR registrations stay', () => {
  assert.equal(luStateAfterNexusLoss(state(), 'someone else'), undefined);
  const r = luStateAfterNexusLoss(state(), HOLDER)!;
  assert.equal(r.spc2Holder, null);
  assert.equal(r.pr.registrations.length, 1);
  assert.equal(luStateKeepingNexuses(state(), new Set([HOLDER])), undefined, 'the holder lives');
  assert.equal(luStateKeepingNexuses(state(), new Set(['other']))!.spc2Holder, null, 'the holder died with its controller');
});

test('the changes never alias the state they start from', () => {
  const s = state();
  const r = luStateAfterNexusLoss(s, HOLDER)!;
  r.pr.registrations.length = 0;
  r.mode.wce = true;
  assert.equal(s.pr.registrations.length, 1);
  assert.equal(s.mode.wce, false);
});

test('durable unit attentions: the PR conditions of SPC-4 §5.9.11, nothing else', () => {
  for (const r of ['UaRegistrationsPreempted', 'UaReservationsPreempted', 'UaReservationsReleased'] as const) assert.ok(isDurableUa(r), r);
  for (const r of ['UaAsymmetricAccessStateChanged', 'UaModeParametersChanged', 'UaCapacityDataChanged', 'UaBusDeviceReset', 'UaPowerOnReset'] as const) assert.ok(!isDurableUa(r), r);
});

test('stored parts decode (absent parts: no PR state, default mode values); damaged ones are named', () => {
  assert.deepEqual(luStateFromParts({ pr: null, spc2Holder: null, mode: null }), emptyLuState());
  const s = state();
  assert.deepEqual(luStateFromParts({ pr: JSON.parse(JSON.stringify(s.pr)), spc2Holder: HOLDER, mode: { ...s.mode, futureField: 1 } }), s);
  assert.match(String(luStateFromParts({ pr: { version: 2 }, spc2Holder: null, mode: null })), /^pr: not a PR state of version 1/);
  assert.match(String(luStateFromParts({ pr: { ...s.pr, registrations: [{ key: 1 }] }, spc2Holder: null, mode: null })), /^pr: a registration without key/);
  assert.match(String(luStateFromParts({ pr: null, spc2Holder: null, mode: { wce: 'yes' } })), /^mode: not a set of mode values/);
});

test('what a host hears: GOOD once saved, NOT READY 04h/0Ah from a controller that may not change it, 55h/04h when the save failed', () => {
  assert.equal(commitResponse('saved').status, 0);
  assert.deepEqual([...commitResponse('not-owner').sense!.subarray(12, 14)], [0x04, 0x0a]);
  assert.equal(commitResponse('not-owner').sense![2], 0x02);
  assert.deepEqual([...commitResponse('failed').sense!.subarray(12, 14)], [0x55, 0x04]);
});
