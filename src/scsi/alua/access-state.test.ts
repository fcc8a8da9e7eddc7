import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AluaStateName } from '../command-context.js';
import { buildOpcodeTable } from '../opcode-table.js';
import { setTargetPortGroupsRow } from '../spc/set-target-port-groups.js';
import { CDB, FakeRouter, fixture, nexus, prParams, sense } from '../test-support/fixture.js';
import { aluaCheck } from './access-state.js';
import { isRoutable } from './routing.js';

const I1 = nexus('iqn.1994-05.com.example:host1');

const ALWAYS = ['INQUIRY', 'REQUEST SENSE', 'REPORT LUNS', 'REPORT TARGET PORT GROUPS', 'REPORT SUPPORTED OPERATION CODES', 'REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS'];
const PR = [
  ...['READ KEYS', 'READ RESERVATION', 'REPORT CAPABILITIES', 'READ FULL STATUS'].map((n) => `PERSISTENT RESERVE IN / ${n}`),
  ...['REGISTER', 'RESERVE', 'RELEASE', 'CLEAR', 'PREEMPT', 'PREEMPT AND ABORT', 'REGISTER AND IGNORE EXISTING KEY', 'REGISTER AND MOVE'].map((n) => `PERSISTENT RESERVE OUT / ${n}`),
];
/** SPC-4 §5.16.2.4.4–6 (plus READ CAPACITY in standby, RSOC/RSTMF everywhere: see access-state.ts). */
const EXPECTED: Record<'standby' | 'unavailable' | 'transitioning', string[]> = {
  standby: [...ALWAYS, 'SET TARGET PORT GROUPS', 'MODE SENSE(6)', 'MODE SENSE(10)', 'MODE SELECT(6)', 'MODE SELECT(10)', 'READ CAPACITY(10)', 'READ CAPACITY(16)', ...PR],
  unavailable: [...ALWAYS, 'SET TARGET PORT GROUPS'],
  transitioning: [...ALWAYS],
};

test('the opcode table allows exactly the SPC-4 §5.16.2.4 commands in standby, unavailable and transitioning', () => {
  const rows = buildOpcodeTable([setTargetPortGroupsRow]).all();
  for (const state of ['standby', 'unavailable', 'transitioning'] as const) {
    const allowed = rows.filter((r) => aluaCheck(state, r.aluaAllowed) === undefined).map((r) => r.name);
    assert.deepEqual(allowed.sort(), [...EXPECTED[state]].sort(), state);
  }
  // active/non-optimized runs every command; active/optimized too.
  for (const r of rows) {
    assert.equal(aluaCheck('active-non-optimized', r.aluaAllowed), undefined, r.name);
    assert.equal(aluaCheck('active-optimized', r.aluaAllowed), undefined, r.name);
  }
});

test('refusal sense per state: standby 04h/0Bh, unavailable 04h/0Ch, transitioning 04h/0Ah, offline like unavailable', () => {
  assert.equal(aluaCheck('standby', []), 'NotReadyAluaStandby');
  assert.equal(aluaCheck('unavailable', []), 'NotReadyAluaUnavailable');
  assert.equal(aluaCheck('transitioning', []), 'NotReadyAluaTransition');
  assert.equal(aluaCheck('offline', []), 'NotReadyAluaUnavailable');
});

async function inState(state: AluaStateName) {
  const router = new FakeRouter();
  const f = fixture({ router });
  await f.run(I1, CDB.tur());
  router.states.set(1, state);
  return { f, router };
}

const READ10 = [0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0];
const STPG_PARAMS = Buffer.from([0, 0, 0, 0, 0x00, 0, 0, 1]);

test('router state standby: READ and TEST UNIT READY refused 04h/0Bh; INQUIRY, MODE SENSE, PR IN, READ CAPACITY, RTPG, STPG served', async () => {
  const { f, router } = await inState('standby');
  assert.deepEqual(sense(await f.run(I1, READ10)), [2, 0x04, 0x0b]);
  assert.deepEqual(sense(await f.run(I1, CDB.tur())), [2, 0x04, 0x0b]);
  assert.deepEqual(sense(await f.run(I1, CDB.reserve6())), [2, 0x04, 0x0b]);
  for (const cdb of [CDB.inquiry(false, 0), CDB.modeSense6(0, 0x3f), CDB.prIn(0), [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], CDB.rtpg(), CDB.requestSense(), CDB.reportLuns()]) {
    assert.equal((await f.run(I1, cdb)).status, 0, `opcode ${cdb[0]}`);
  }
  assert.equal((await f.run(I1, CDB.prOut(0), prParams(0n, 0xabn))).status, 0);
  assert.equal((await f.run(I1, CDB.stpg(8), STPG_PARAMS)).status, 0);
  assert.equal(router.stpgCalls.length, 1);
  assert.ok(!router.routed.includes('READ(10)'), 'a refused command is never routed');
});

test('router state unavailable: everything but INQUIRY, REPORT LUNS, REQUEST SENSE, RTPG, STPG is 04h/0Ch', async () => {
  const { f } = await inState('unavailable');
  for (const cdb of [READ10, CDB.tur(), CDB.modeSense6(0, 0x3f), CDB.prIn(0), [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0]]) {
    assert.deepEqual(sense(await f.run(I1, cdb)), [2, 0x04, 0x0c], `opcode ${cdb[0]}`);
  }
  for (const cdb of [CDB.inquiry(false, 0), CDB.rtpg(), CDB.requestSense(), CDB.reportLuns(), CDB.rsoc(0)]) assert.equal((await f.run(I1, cdb)).status, 0);
  assert.equal((await f.run(I1, CDB.stpg(8), STPG_PARAMS)).status, 0);
});

test('router state transitioning: 04h/0Ah even for MODE SENSE, PR IN and SET TARGET PORT GROUPS; RTPG and INQUIRY served', async () => {
  const { f, router } = await inState('transitioning');
  for (const cdb of [READ10, CDB.tur(), CDB.modeSense6(0, 0x3f), CDB.prIn(0)]) assert.deepEqual(sense(await f.run(I1, cdb)), [2, 0x04, 0x0a]);
  assert.deepEqual(sense(await f.run(I1, CDB.stpg(8), STPG_PARAMS)), [2, 0x04, 0x0a]);
  assert.equal(router.stpgCalls.length, 0);
  assert.equal((await f.run(I1, CDB.inquiry(false, 0))).status, 0);
  assert.equal((await f.run(I1, CDB.rtpg())).status, 0);
});

test('router state active/non-optimized runs media access; the router state wins over the LU own table', async () => {
  const { f } = await inState('active-non-optimized');
  f.lu.setAluaState(1, 'standby'); // ignored when a router is present
  await f.run(I1, CDB.requestSense()); // consume the 2Ah/06h
  assert.equal((await f.run(I1, READ10)).status, 0);
  assert.equal((await f.run(I1, CDB.tur())).status, 0);
});

test('isRoutable: descriptive commands stay local, everything else is routed', () => {
  for (const op of [0x03, 0x12, 0xa0, 0xa3, 0xa4]) assert.equal(isRoutable({ opcode: op }), false);
  for (const op of [0x00, 0x28, 0x2a, 0x5e, 0x5f, 0x1a, 0x15, 0x25, 0x9e, 0x89, 0x16]) assert.equal(isRoutable({ opcode: op }), true);
});
