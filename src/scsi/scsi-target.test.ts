import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CDB, fixture, nexus, sense } from './test-support/fixture.js';
import { TmfFunction, TmfResult } from './types.js';

const I1 = nexus('iqn.1994-05.com.example:host1');
const I2 = nexus('iqn.1994-05.com.example:host2');

function gate() {
  let release!: () => void;
  const p = new Promise<void>((r) => (release = r));
  return { wait: () => p, release };
}

test('unmapped LUN: REQUEST SENSE reports 25h/00h with GOOD, other commands CHECK CONDITION 25h/00h', async () => {
  const f = fixture();
  const rs = await f.run(I1, CDB.requestSense(), undefined, 3);
  assert.equal(rs.status, 0);
  assert.equal(rs.dataIn![12], 0x25);
  assert.deepEqual(sense(await f.run(I1, CDB.tur(), undefined, 3)), [5, 0x25, 0]);
});

test('unit attention: INQUIRY and REPORT LUNS pass without consuming it; TUR reports it once; then GOOD', async () => {
  const f = fixture();
  await f.run(I1, CDB.tur());
  f.lu.capacityChanged();
  assert.equal((await f.run(I1, CDB.inquiry(false, 0))).status, 0);
  assert.equal((await f.run(I1, CDB.reportLuns())).status, 0);
  assert.deepEqual(sense(await f.run(I1, CDB.tur())), [6, 0x2a, 0x09]);
  assert.equal((await f.run(I1, CDB.tur())).status, 0);
});

test('unit attentions come out oldest first; REQUEST SENSE consumes one and returns it (fixed and descriptor)', async () => {
  const f = fixture();
  await f.run(I1, CDB.tur());
  f.lu.queueUnitAttention('UaCapacityDataChanged');
  f.lu.queueUnitAttention('UaModeParametersChanged');
  const rs = await f.run(I1, CDB.requestSense(252, true));
  assert.equal(rs.status, 0);
  assert.deepEqual([...rs.dataIn!.subarray(0, 4)], [0x72, 6, 0x2a, 0x09]);
  assert.deepEqual(sense(await f.run(I1, [0xee, 0, 0, 0, 0, 0])), [6, 0x2a, 0x01]);
  assert.deepEqual(sense(await f.run(I1, [0xee, 0, 0, 0, 0, 0])), [5, 0x20, 0]);
  const none = await f.run(I1, CDB.requestSense());
  assert.equal(none.dataIn![2]! & 0xf, 0);
  assert.equal(none.dataIn![12], 0);
});

test('NACA or LINK in the CONTROL byte is INVALID FIELD IN CDB', async () => {
  const f = fixture();
  assert.deepEqual(sense(await f.run(I1, [0x00, 0, 0, 0, 0, 0x04])), [5, 0x24, 0]);
  assert.deepEqual(sense(await f.run(I1, [0x00, 0, 0, 0, 0, 0x01])), [5, 0x24, 0]);
});

test('ALUA: standby refuses media access with 04h/0Bh but serves INQUIRY; transitioning 04h/0Ah', async () => {
  const f = fixture();
  await f.run(I1, CDB.tur());
  f.lu.setAluaState(1, 'standby');
  assert.deepEqual(sense(await f.run(I1, CDB.tur())), [6, 0x2a, 0x06]);
  assert.deepEqual(sense(await f.run(I1, CDB.read())), [2, 0x04, 0x0b]);
  assert.equal((await f.run(I1, CDB.inquiry(false, 0))).status, 0);
  f.lu.setAluaState(1, 'transitioning');
  await f.run(I1, CDB.requestSense());
  assert.deepEqual(sense(await f.run(I1, CDB.read())), [2, 0x04, 0x0a]);
  const rtpg = (await f.run(I1, CDB.rtpg())).dataIn!;
  assert.equal(rtpg[4]! & 0x0f, 0x0f);
});

test('REPORT TARGET PORT GROUPS lists each group with its ports; length field covers the data', async () => {
  const f = fixture();
  const d = (await f.run(I1, CDB.rtpg())).dataIn!;
  assert.equal(d.readUInt32BE(0), d.length - 4);
  assert.equal(d.length, 4 + 2 * 12);
  assert.equal(d[4]! & 0xf, 0);
  assert.equal(d.readUInt16BE(6), 1);
  assert.equal(d[11], 1);
  assert.equal(d.readUInt16BE(14), 1);
  assert.equal(d.readUInt16BE(18), 2);
  const ext = (await f.run(I1, CDB.rtpg(1024, 1))).dataIn!;
  assert.equal(ext[4], 0x10);
  assert.equal((await f.run(I1, CDB.rtpg(4))).dataIn!.length, 4);
});

test('SPC-2 RESERVE: the other nexus conflicts, RELEASE from it is a no-op, nexus loss frees it', async () => {
  const f = fixture();
  assert.equal((await f.run(I1, CDB.reserve6())).status, 0);
  assert.equal((await f.run(I1, CDB.reserve6())).status, 0);
  assert.equal((await f.run(I2, CDB.reserve6())).status, 0x18);
  assert.equal((await f.run(I2, CDB.release6())).status, 0);
  assert.equal((await f.run(I2, CDB.modeSense6(0, 0x3f))).status, 0x18);
  assert.equal((await f.run(I2, CDB.inquiry(false, 0))).status, 0);
  assert.equal((await f.run(I1, CDB.modeSense6(0, 0x3f))).status, 0);
  f.target.nexusLost(I1);
  assert.equal((await f.run(I2, CDB.reserve6())).status, 0);
  assert.equal((await f.run(I2, CDB.release6())).status, 0);
});

test('LUN RESET: 29h/03h to every nexus, SPC-2 reservation released, persistent reservation kept', async () => {
  const f = fixture();
  await f.run(I2, CDB.tur());
  assert.equal((await f.run(I1, CDB.reserve6())).status, 0);
  assert.equal(await f.target.taskManagement({ nexus: I1, fn: TmfFunction.LunReset, lun: 0 }), TmfResult.Complete);
  assert.deepEqual(sense(await f.run(I1, CDB.tur())), [6, 0x29, 0x03]);
  assert.deepEqual(sense(await f.run(I2, CDB.tur())), [6, 0x29, 0x03]);
  assert.equal((await f.run(I2, CDB.reserve6())).status, 0);
  assert.equal(await f.target.taskManagement({ nexus: I1, fn: TmfFunction.LunReset, lun: 9 }), TmfResult.LunDoesNotExist);
});

test('TARGET WARM RESET: 29h/00h (which libiscsi retries RESERVE on)', async () => {
  const f = fixture();
  await f.run(I1, CDB.reserve6());
  assert.equal(await f.target.taskManagement({ nexus: I1, fn: TmfFunction.TargetWarmReset, lun: 0 }), TmfResult.Complete);
  assert.deepEqual(sense(await f.run(I1, CDB.tur())), [6, 0x29, 0x00]);
  assert.equal(f.lu.spc2Holder, undefined);
});

test('ABORT TASK of a slow task: the task resolves aborted, the TMF completes after it', async () => {
  const g = gate();
  const f = fixture({ gate: g });
  const slow = f.run(I1, CDB.slow());
  await new Promise((r) => setImmediate(r));
  assert.equal(f.target.tasksInFlight, 1);
  const tag = 1;
  let tmfDone = false;
  const tmf = f.target.taskManagement({ nexus: I1, fn: TmfFunction.AbortTask, lun: 0, referencedTag: tag }).then((r) => {
    tmfDone = true;
    return r;
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(tmfDone, false);
  g.release();
  assert.equal(await tmf, TmfResult.Complete);
  assert.equal((await slow).aborted, true);
  assert.equal(await f.target.taskManagement({ nexus: I1, fn: TmfFunction.AbortTask, lun: 0, referencedTag: 99 }), TmfResult.TaskDoesNotExist);
});

test('CLEAR TASK SET: other nexus tasks aborted and told COMMANDS CLEARED BY ANOTHER INITIATOR', async () => {
  const g = gate();
  const f = fixture({ gate: g });
  await f.run(I2, CDB.tur());
  const slow = f.run(I2, CDB.slow());
  await new Promise((r) => setImmediate(r));
  const tmf = f.target.taskManagement({ nexus: I1, fn: TmfFunction.ClearTaskSet, lun: 0 });
  g.release();
  assert.equal(await tmf, TmfResult.Complete);
  assert.equal((await slow).aborted, true);
  assert.deepEqual(sense(await f.run(I2, CDB.tur())), [6, 0x2f, 0x00]);
});

test('a handler that throws ends in HARDWARE ERROR, not an exception', async () => {
  const f = fixture();
  const bad = { ...f.target.table.find(0xc0)!, handler: () => { throw new Error('bug'); } };
  (f.target.table as unknown as { slots: Map<number, { plain: unknown }> }).slots.get(0xc0)!.plain = bad;
  assert.deepEqual(sense(await f.run(I1, CDB.read())), [4, 0x44, 0]);
});

test('REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS: ATS, ATSS, CTSS, LURS, TRS; allocation < 4 refused', async () => {
  const f = fixture();
  const d = (await f.run(I1, [0xa3, 0x0d, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0])).dataIn!;
  assert.equal(d[0], 0xda);
  assert.deepEqual(sense(await f.run(I1, [0xa3, 0x0d, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0])), [5, 0x24, 0]);
});

test('RESERVE(10)/RELEASE(10) behave like the 6-byte forms; third-party reservations are refused', async () => {
  const f = fixture();
  assert.equal((await f.run(I1, [0x56, 0, 0, 0, 0, 0, 0, 0, 0, 0])).status, 0);
  assert.equal((await f.run(I2, [0x56, 0, 0, 0, 0, 0, 0, 0, 0, 0])).status, 0x18);
  assert.equal((await f.run(I1, [0x57, 0, 0, 0, 0, 0, 0, 0, 0, 0])).status, 0);
  assert.deepEqual(sense(await f.run(I2, [0x56, 0x10, 0, 0, 0, 0, 0, 0, 0, 0])), [5, 0x24, 0]);
});
