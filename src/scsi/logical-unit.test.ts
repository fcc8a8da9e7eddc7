// The LU state of a LogicalUnit is saved before it is applied (docs/ha.md «LU state
// belongs to the array»): host commands wait for the save and are refused when this
// controller may not change the state; events (nexus loss, resets) apply whatever the save
// says; PR unit attentions are kept for a registration's nexus until reported.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DurableUa } from './lu-state.js';
import { PrOutAction as A } from './pr/pr-out-logic.js';
import { PrType } from './pr/pr-state.js';
import { CDB, fixture, nexus, prParams, sense, type Fixture } from './test-support/fixture.js';
import type { ItNexus } from './types.js';

const I1 = nexus('iqn.1994-05.com.example:host1');
const I2 = nexus('iqn.1994-05.com.example:host2');
const out = (f: Fixture, n: ItNexus, sa: number, resKey: bigint, saKey: bigint, type = 0) => f.run(n, CDB.prOut(sa, type), prParams(resKey, saKey));

/** MODE SELECT(6) of the caching page with WCE as given. */
async function setWce(f: Fixture, n: ItNexus, wce: boolean) {
  const cur = (await f.run(n, CDB.modeSense6(0, 0x08, 255, true))).dataIn!;
  const page = Buffer.from(cur.subarray(4));
  page[2] = wce ? page[2]! | 0x04 : page[2]! & ~0x04;
  const param = Buffer.concat([Buffer.alloc(4), page]);
  return f.run(n, CDB.modeSelect6(param.length), param);
}

test('RESERVE(6) and RELEASE(6) answer GOOD only once the holder is saved', async () => {
  const f = fixture();
  assert.equal((await f.run(I1, CDB.reserve6())).status, 0);
  assert.equal(f.saves.at(-1)!.state.spc2Holder, I1.id);
  assert.equal(f.saves.at(-1)!.cause, 'command');
  assert.equal((await f.run(I1, CDB.release6())).status, 0);
  assert.equal(f.saves.at(-1)!.state.spc2Holder, null);
  const n = f.saves.length;
  assert.equal((await f.run(I2, CDB.release6())).status, 0, 'a RELEASE from a non-holder is GOOD');
  assert.equal(f.saves.length, n, 'and changes nothing');
});

test('a controller that may not change the LU state refuses RESERVE, MODE SELECT and PR OUT with NOT READY 04h/0Ah and applies none', async () => {
  let outcome: 'saved' | 'not-owner' = 'not-owner';
  const f = fixture({ saveOutcome: () => outcome });
  await f.run(I2, CDB.tur());
  assert.deepEqual(sense(await f.run(I1, CDB.reserve6())), [2, 0x04, 0x0a]);
  assert.equal(f.lu.spc2Holder, undefined);
  assert.deepEqual(sense(await setWce(f, I1, false)), [2, 0x04, 0x0a]);
  assert.equal(f.lu.mode.values.wce, true);
  assert.equal((await f.run(I2, CDB.tur())).status, 0, 'no MODE PARAMETERS CHANGED for a change that did not happen');
  assert.deepEqual(sense(await out(f, I1, A.RegisterAndIgnore, 0n, 0x1111n)), [2, 0x04, 0x0a]);
  assert.deepEqual(f.lu.prState.registrations, []);
  outcome = 'saved';
  assert.equal((await setWce(f, I1, false)).status, 0);
  assert.equal(f.saves.at(-1)!.state.mode.wce, false);
  assert.deepEqual(sense(await f.run(I2, CDB.tur())), [6, 0x2a, 0x01]);
});

test('I_T nexus loss and LU reset release the SPC-2 reservation even where the save is refused (the owner saves it)', async () => {
  let outcome: 'saved' | 'not-owner' = 'saved';
  const lost: string[] = [];
  const f = fixture({ saveOutcome: () => outcome, onNexusLost: (n, lus) => lost.push(`${n.id} ${lus.length}`) });
  assert.equal((await f.run(I1, CDB.reserve6())).status, 0);
  outcome = 'not-owner';
  f.target.nexusLost(I1);
  assert.deepEqual(lost, [`${I1.id} 1`], 'the runtime hears of it with the LUs concerned');
  assert.equal((await f.run(I2, CDB.reserve6())).status !== 0x18, true, 'released here at once');
  assert.equal(f.lu.spc2Holder, undefined, 'refused RESERVE: the holder stays released');
  outcome = 'saved';
  assert.equal((await f.run(I2, CDB.reserve6())).status, 0);
  assert.equal(await f.target.taskManagement({ nexus: I1, fn: 'lun-reset', lun: 0 }), 'complete');
  assert.equal(f.lu.spc2Holder, undefined);
  assert.equal(f.saves.at(-1)!.cause, 'event');
  assert.equal(f.saves.at(-1)!.state.spc2Holder, null);
});

test('a command after a RESERVE in flight sees it: the conflict check waits for the change', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  let first = true;
  const f = fixture({ beforeSave: async () => { if (first) { first = false; await gate; } } });
  const reserving = f.run(I1, CDB.reserve6());
  await new Promise((r) => setImmediate(r));
  const write = f.run(I2, CDB.write());
  await new Promise((r) => setImmediate(r));
  release();
  assert.equal((await reserving).status, 0);
  assert.equal((await write).status, 0x18, 'RESERVATION CONFLICT, not a write past a reservation being granted');
});

test('a PREEMPT keeps REGISTRATIONS PREEMPTED for the preempted nexus: it hears it when it logs in later, once', async () => {
  const kept: DurableUa[] = [];
  const f = fixture({ durableUas: kept });
  assert.equal((await out(f, I1, A.RegisterAndIgnore, 0n, 0x1111n)).status, 0);
  assert.equal((await out(f, I2, A.RegisterAndIgnore, 0n, 0x2222n)).status, 0);
  assert.equal((await out(f, I2, A.Reserve, 0x2222n, 0n, PrType.WriteExclusive)).status, 0);
  f.target.nexusLost(I2); // I2 is not logged in when it is preempted
  assert.equal((await out(f, I1, A.Preempt, 0x1111n, 0x2222n, PrType.WriteExclusive)).status, 0);
  assert.deepEqual(f.saves.at(-1)!.uas.map((u) => [u.initiatorPort, u.reason]), [[I2.initiatorPort, 'UaRegistrationsPreempted']], 'saved with the PR state');
  f.target.nexusCreated(I2);
  assert.deepEqual(sense(await f.run(I2, CDB.tur())), [6, 0x2a, 0x05]);
  assert.deepEqual(kept, [], 'reported: no longer kept');
  assert.equal((await f.run(I2, CDB.tur())).status, 0);
});

test('a reset condition replaces a kept unit attention (SAM-5 §5.14) and it is no longer kept', async () => {
  const kept: DurableUa[] = [{ initiatorPort: I2.initiatorPort, targetPort: I2.targetPort, reason: 'UaReservationsReleased' }];
  const f = fixture({ durableUas: kept });
  f.target.nexusCreated(I2);
  assert.deepEqual(f.lu.pendingUnitAttentions(I2.id), ['UaReservationsReleased']);
  assert.equal(await f.target.taskManagement({ nexus: I1, fn: 'lun-reset', lun: 0 }), 'complete');
  assert.deepEqual(f.lu.pendingUnitAttentions(I2.id), ['UaBusDeviceReset']);
  assert.deepEqual(kept, []);
});

test('loadState replaces the LU state without saving it; kept unit attentions reach the nexuses known here', async () => {
  const kept: DurableUa[] = [];
  const f = fixture({ durableUas: kept });
  await f.run(I1, CDB.tur());
  const other = fixture();
  await out(other, I2, A.RegisterAndIgnore, 0n, 0x2222n);
  await other.run(I2, CDB.reserve6());
  const n = f.saves.length;
  f.lu.loadState(other.lu.exportState());
  assert.equal(f.saves.length, n);
  assert.deepEqual(f.lu.prState.registrations.map((r) => r.key), ['0000000000002222']);
  assert.equal((await f.run(I1, CDB.write())).status, 0x18, 'the loaded SPC-2 reservation holds');
  kept.push({ initiatorPort: I1.initiatorPort, targetPort: I1.targetPort, reason: 'UaReservationsPreempted' });
  f.lu.requeueKeptUnitAttentions();
  assert.deepEqual(sense(await f.run(I1, CDB.tur())), [6, 0x2a, 0x03]);
});
