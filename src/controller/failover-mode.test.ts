import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { FailoverMode } from '../cluster/index.js';
import { AluaTrespassCounter, decideNonOwnerIo } from './failover-mode.js';
import { SENSE_TABLE } from '../scsi/sense.js';

const base = { autoTrespass: false, isTestUnitReady: false, peerReachable: true } as const;

test('mode 0: auto-trespass on ⇒ trespass; off ⇒ NOT READY 04h/03h (TUR too)', () => {
  assert.deepEqual(decideNonOwnerIo({ ...base, mode: 0, autoTrespass: true }), { kind: 'trespass' });
  assert.deepEqual(decideNonOwnerIo({ ...base, mode: 0 }), { kind: 'reject', reason: 'NotReadyManualIntervention' });
  assert.deepEqual(decideNonOwnerIo({ ...base, mode: 0, isTestUnitReady: true }), { kind: 'reject', reason: 'NotReadyManualIntervention' });
  assert.deepEqual(SENSE_TABLE.NotReadyManualIntervention, [0x2, 0x04, 0x03]);
});

test('mode 1: passive not ready rejects everything including TEST UNIT READY', () => {
  assert.deepEqual(decideNonOwnerIo({ ...base, mode: 1 }), { kind: 'reject', reason: 'NotReadyManualIntervention' });
  assert.deepEqual(decideNonOwnerIo({ ...base, mode: 1, isTestUnitReady: true }), { kind: 'reject', reason: 'NotReadyManualIntervention' });
});

test('mode 2: DMP trespasses regardless of the auto-trespass flag', () => {
  assert.deepEqual(decideNonOwnerIo({ ...base, mode: 2 }), { kind: 'trespass' });
  assert.deepEqual(decideNonOwnerIo({ ...base, mode: 2, autoTrespass: true }), { kind: 'trespass' });
});

test('mode 3: passive always ready: TUR GOOD, other I/O rejected', () => {
  assert.deepEqual(decideNonOwnerIo({ ...base, mode: 3, isTestUnitReady: true }), { kind: 'good' });
  assert.deepEqual(decideNonOwnerIo({ ...base, mode: 3 }), { kind: 'reject', reason: 'NotReadyManualIntervention' });
});

test('mode 4: ALUA forwards over the peer link', () => {
  assert.deepEqual(decideNonOwnerIo({ ...base, mode: 4 }), { kind: 'forward' });
  assert.deepEqual(decideNonOwnerIo({ ...base, mode: 4, isTestUnitReady: true }), { kind: 'forward' });
});

test('split brain: owner isolated (link cut, lease valid) ⇒ never trespass nor forward', () => {
  fc.assert(fc.property(fc.constantFrom<FailoverMode>(0, 1, 2, 3, 4), fc.boolean(), fc.boolean(), fc.constantFrom(false, 'isolated' as const),
    (mode, autoTrespass, isTestUnitReady, peerReachable) => {
      const d = decideNonOwnerIo({ mode, autoTrespass, isTestUnitReady, peerReachable });
      assert.ok(d.kind === 'reject' || d.kind === 'good');
      if (mode === 4 || mode === 2) assert.deepEqual(d, { kind: 'reject', reason: 'NotReadyAluaStandby' });
    }));
});

test('owner failed ⇒ internal trespass in modes 0 (any flag), 2, 4; modes 1/3 keep their answers', () => {
  for (const mode of [0, 2, 4] as const) {
    assert.deepEqual(decideNonOwnerIo({ ...base, mode, peerReachable: 'failed' }), { kind: 'trespass' });
  }
  assert.equal(decideNonOwnerIo({ ...base, mode: 1, peerReachable: 'failed' }).kind, 'reject');
  assert.equal(decideNonOwnerIo({ ...base, mode: 3, isTestUnitReady: true, peerReachable: 'failed' }).kind, 'good');
});

test('TEST UNIT READY never trespasses: GOOD where I/O would trespass (modes 0 with the flag, 2, owner failed)', () => {
  assert.deepEqual(decideNonOwnerIo({ ...base, mode: 2, isTestUnitReady: true }), { kind: 'good' });
  assert.deepEqual(decideNonOwnerIo({ ...base, mode: 0, autoTrespass: true, isTestUnitReady: true }), { kind: 'good' });
  assert.deepEqual(decideNonOwnerIo({ ...base, mode: 4, isTestUnitReady: true, peerReachable: 'failed' }), { kind: 'good' });
  assert.deepEqual(decideNonOwnerIo({ ...base, mode: 2 }), { kind: 'trespass' });
});

test('ALUA counter: trespass when the non-owner served exactly threshold more, then resets', () => {
  const c = new AluaTrespassCounter({ threshold: 5 });
  for (let i = 0; i < 3; i++) assert.equal(c.record('v1', 'A', 'A'), undefined);
  for (let i = 0; i < 7; i++) assert.equal(c.record('v1', 'B', 'A'), undefined, `io ${i}`);
  assert.deepEqual(c.countsFor('v1'), { A: 3, B: 7 });
  assert.equal(c.record('v1', 'B', 'A'), 'trespass'); // 8 - 3 = 5
  assert.deepEqual(c.countsFor('v1'), {});
  // other volumes are independent
  assert.equal(c.record('v2', 'B', 'A'), undefined);
  assert.deepEqual(c.snapshot(), { v2: { B: 1 } });
});

test('ALUA counter: default threshold 64000; owner I/O never trespasses', () => {
  const c = new AluaTrespassCounter();
  assert.equal(c.threshold, 64000);
  let r: string | undefined;
  for (let i = 0; i < 63999; i++) r = c.record('v', 'B', 'A');
  assert.equal(r, undefined);
  assert.equal(c.record('v', 'B', 'A'), 'trespass');
  for (let i = 0; i < 100000; i++) assert.equal(c.record('w', 'A', 'A'), undefined);
  assert.throws(() => new AluaTrespassCounter({ threshold: 0 }), RangeError);
});

test('ALUA counter property: trespass iff difference reaches threshold', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.boolean(), { maxLength: 200 }), (threshold, seq) => {
    const c = new AluaTrespassCounter({ threshold });
    let a = 0, b = 0;
    for (const onB of seq) {
      if (onB) b++; else a++;
      const r = c.record('v', onB ? 'B' : 'A', 'A');
      const expect = onB && b - a >= threshold;
      assert.equal(r === 'trespass', expect);
      if (expect) { a = 0; b = 0; }
    }
  }));
});
