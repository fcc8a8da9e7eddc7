import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UaTargets } from './logical-unit.js';
import type { PrStateJson } from './pr/pr-state.js';
import type { SenseReason } from './sense.js';
import { CDB, FakeRouter, fixture, nexus, PORTS, prParams, sense } from './test-support/fixture.js';
import { TaskAttr, TmfFunction, TmfResult, type ItNexus, type ScsiCommand, type ScsiResponse } from './types.js';

const I1 = nexus('iqn.1994-05.com.example:host1');
const I2 = nexus('iqn.1994-05.com.example:host2');
const I2B = nexus('iqn.1994-05.com.example:host2', '23d000000001', PORTS[1]);

let tag = 1000;
const cmd = (n: ItNexus, cdb: number[], dataOut?: Buffer): ScsiCommand => ({ nexus: n, lun: 0, cdb: Buffer.from(cdb), tag: tag++, taskAttr: TaskAttr.Simple, expectedDataTransferLength: 65536, dataOut });
const tick = () => new Promise<void>((r) => setImmediate(r));

test('forward: forward() gets the command and its response comes back verbatim; the local handler does not run', async () => {
  const router = new FakeRouter();
  const remote: ScsiResponse = { status: 0, dataIn: Buffer.from('from the owner'), transferLength: 14 };
  const seen: ScsiCommand[] = [];
  router.decision = { kind: 'forward', forward: async (c) => (seen.push(c), remote) };
  const f = fixture({ router });
  const r = await f.run(I1, CDB.read());
  assert.equal(r, remote);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.cdb[0], 0xc0);
  assert.deepEqual(router.routed, ['TEST READ']);
  // Descriptive commands are answered here and never routed.
  assert.equal((await f.run(I1, CDB.inquiry(false, 0))).status, 0);
  assert.equal((await f.run(I1, CDB.rtpg())).status, 0);
  assert.equal((await f.run(I1, CDB.reportLuns())).status, 0);
  assert.deepEqual(router.routed, ['TEST READ']);
});

test('forward: a failed forward reports 04h/0Ah (hosts retry); a forwarded task can be aborted on the receiving side', async () => {
  const router = new FakeRouter();
  router.decision = { kind: 'forward', forward: async () => Promise.reject(new Error('peer link down')) };
  const f = fixture({ router });
  assert.deepEqual(sense(await f.run(I1, CDB.read())), [2, 0x04, 0x0a]);
  let answer!: (r: ScsiResponse) => void;
  router.decision = { kind: 'forward', forward: () => new Promise<ScsiResponse>((r) => (answer = r)) };
  const c = cmd(I1, [0xc0, 0, 0, 0, 0, 0]);
  const pending = f.target.execute(c);
  await tick();
  assert.equal(f.target.tasksInFlight, 1);
  const tmf = f.target.taskManagement({ nexus: I1, fn: TmfFunction.AbortTask, lun: 0, referencedTag: c.tag });
  answer({ status: 0 });
  assert.equal(await tmf, TmfResult.Complete);
  assert.equal((await pending).aborted, true);
});

test('unit attention and the ALUA check come before route()', async () => {
  const router = new FakeRouter();
  router.decision = { kind: 'reject', reason: 'NotReadyManualIntervention' };
  const f = fixture({ router });
  await f.run(I1, CDB.inquiry(false, 0));
  f.lu.capacityChanged();
  assert.deepEqual(sense(await f.run(I1, CDB.read())), [6, 0x2a, 0x09]);
  router.states.set(1, 'standby');
  assert.deepEqual(sense(await f.run(I1, CDB.read())), [2, 0x04, 0x0b]);
  assert.deepEqual(router.routed, []);
});

test('reject answers the reason; good answers GOOD without executing', async () => {
  const log: string[] = [];
  const router = new FakeRouter();
  const f = fixture({ router, gate: { wait: async () => void log.push('exec') } });
  router.decision = { kind: 'reject', reason: 'NotReadyManualIntervention' };
  assert.deepEqual(sense(await f.run(I1, CDB.tur())), [2, 0x04, 0x03]);
  assert.deepEqual(sense(await f.run(I1, CDB.slow())), [2, 0x04, 0x03]);
  router.decision = { kind: 'good' };
  const r = await f.run(I1, CDB.slow());
  assert.equal(r.status, 0);
  assert.deepEqual(log, []);
  router.decision = { kind: 'local' };
  await f.run(I1, CDB.slow());
  assert.deepEqual(log, ['exec']);
});

test('trespass runs before the command executes locally; a failed trespass is 04h/0Ah and nothing runs', async () => {
  const log: string[] = [];
  const router = new FakeRouter();
  const f = fixture({ router, gate: { wait: async () => void log.push('exec') } });
  router.decision = {
    kind: 'trespass',
    trespass: async () => {
      await tick();
      log.push('trespass');
    },
  };
  assert.equal((await f.run(I1, CDB.slow())).status, 0);
  assert.deepEqual(log, ['trespass', 'exec']);
  router.decision = { kind: 'trespass', trespass: async () => Promise.reject(new Error('store busy')) };
  assert.deepEqual(sense(await f.run(I1, CDB.slow())), [2, 0x04, 0x0a]);
  assert.deepEqual(log, ['trespass', 'exec']);
});

test('executeForwarded: reservation conflict checked on the owner; UA and ALUA skipped', async () => {
  const router = new FakeRouter();
  const f = fixture({ router });
  assert.equal((await f.run(I1, CDB.prOut(0), prParams(0n, 0x11n))).status, 0);
  assert.equal((await f.run(I1, CDB.prOut(1, 3), prParams(0x11n, 0n))).status, 0); // EXCLUSIVE ACCESS
  router.states.set(1, 'standby');
  router.states.set(2, 'standby');
  f.lu.attachNexus(I1);
  f.lu.queueUnitAttention('UaCapacityDataChanged');
  assert.equal((await f.target.executeForwarded(f.lu, cmd(I2B, [0xc0, 0, 0, 0, 0, 0]))).status, 0x18);
  const own = await f.target.executeForwarded(f.lu, cmd(I1, [0xc0, 0, 0, 0, 0, 0]));
  assert.equal(own.status, 0);
  assert.equal(own.dataIn!.toString(), 'ok');
  assert.deepEqual(sense(await f.target.executeForwarded(f.lu, cmd(I1, [0xee, 0, 0, 0, 0, 0]))), [5, 0x20, 0]);
  assert.deepEqual(sense(await f.target.executeForwarded(f.lu, cmd(I1, [0xc0, 0, 0, 0, 0, 0x04]))), [5, 0x24, 0]);
  // SPC-2 RESERVE held on the owner conflicts too.
  const g = fixture();
  assert.equal((await g.run(I1, CDB.reserve6())).status, 0);
  assert.equal((await g.target.executeForwarded(g.lu, cmd(I2B, [0xc0, 0, 0, 0, 0, 0]))).status, 0x18);
});

test('executeForwarded tasks are tracked: abortTasksOf(lu, nexusIds) ends them', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const f = fixture({ gate: { wait: () => gate } });
  const p1 = f.target.executeForwarded(f.lu, cmd(I2B, [0xc2, 0, 0, 0, 0, 0]));
  const p2 = f.target.executeForwarded(f.lu, cmd(I1, [0xc2, 0, 0, 0, 0, 0]));
  await tick();
  const aborting = f.target.abortTasksOf(f.lu, [I2B.id]);
  release();
  await aborting;
  assert.equal((await p1).aborted, true);
  assert.equal((await p2).aborted, undefined);
});

test('UA broadcast hook: LU-wide conditions raised by the core fire it; queueUnitAttention (a peer broadcast) does not', async () => {
  const calls: Array<[SenseReason, string | undefined, UaTargets | undefined]> = [];
  const f = fixture({ lu: { onUnitAttentionBroadcast: (r, except, only) => void calls.push([r, except, only]) } });
  await f.run(I1, CDB.tur());
  await f.run(I2, CDB.tur());
  f.lu.capacityChanged();
  assert.deepEqual(calls.shift(), ['UaCapacityDataChanged', undefined, undefined]);
  f.lu.aluaStateChanged(I1.id);
  assert.deepEqual(calls.shift(), ['UaAsymmetricAccessStateChanged', I1.id, undefined]);
  assert.equal(await f.target.taskManagement({ nexus: I1, fn: TmfFunction.LunReset, lun: 0 }), TmfResult.Complete);
  assert.deepEqual(calls.shift(), ['UaBusDeviceReset', undefined, undefined]);
  await f.run(I1, CDB.requestSense());
  await f.run(I2, CDB.requestSense());
  // MODE SELECT changing a parameter: everyone but the issuer.
  const ms = Buffer.from([0x00, 0, 0, 0, 0x08, 0x12, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const sel = await f.run(I1, CDB.modeSelect6(ms.length), ms);
  assert.equal(sel.status, 0, JSON.stringify(sense(sel)));
  assert.deepEqual(calls.shift(), ['UaModeParametersChanged', I1.id, undefined]);
  // A peer's broadcast applied here: queued locally, no echo.
  f.lu.queueUnitAttention('UaReservationsReleased');
  assert.equal(calls.length, 0);
  assert.deepEqual(sense(await f.run(I2, CDB.tur())), [6, 0x2a, 0x01]);
  assert.deepEqual(sense(await f.run(I2, CDB.tur())), [6, 0x2a, 0x04]);
  // `only` limits a peer's PR condition to the named registrants.
  f.lu.queueUnitAttention('UaRegistrationsPreempted', undefined, [{ initiatorPort: I2.initiatorPort, targetPort: I2.targetPort }]);
  assert.deepEqual(sense(await f.run(I2, CDB.tur())), [6, 0x2a, 0x05]);
  assert.deepEqual(sense(await f.run(I1, CDB.tur())), [6, 0x2a, 0x04]);
  assert.equal((await f.run(I1, CDB.tur())).status, 0);
});

test('PR conditions are broadcast with the registrants they are for; PREEMPT AND ABORT reports the aborted nexuses', async () => {
  const calls: Array<[SenseReason, UaTargets | undefined]> = [];
  const aborted: string[][] = [];
  const f = fixture({ lu: { onUnitAttentionBroadcast: (r, _e, only) => void calls.push([r, only]), onTasksAborted: (ids) => void aborted.push(ids) } });
  assert.equal((await f.run(I1, CDB.prOut(0), prParams(0n, 0xaan))).status, 0);
  assert.equal((await f.run(I2B, CDB.prOut(0), prParams(0n, 0xbbn))).status, 0);
  assert.equal((await f.run(I2B, CDB.prOut(1, 1), prParams(0xbbn, 0n))).status, 0);
  assert.equal((await f.run(I1, CDB.prOut(5, 1), prParams(0xaan, 0xbbn))).status, 0); // PREEMPT AND ABORT
  const preempted = calls.find(([r]) => r === 'UaRegistrationsPreempted');
  assert.ok(preempted, JSON.stringify(calls));
  assert.deepEqual(preempted[1], [{ initiatorPort: I2B.initiatorPort, targetPort: I2B.targetPort }]);
  assert.deepEqual(aborted, [[I2B.id]]);
});

test('applyPrState: the peer state replaces ours without persisting; PR IN READ KEYS shows the peer keys', async () => {
  const owner = fixture();
  assert.equal((await owner.run(I1, CDB.prOut(0), prParams(0n, 0x1234n))).status, 0);
  assert.equal((await owner.run(I2B, CDB.prOut(0), prParams(0n, 0x5678n))).status, 0);
  const mirrored: PrStateJson = owner.persisted.at(-1)!;
  const peer = fixture();
  peer.lu.applyPrState(mirrored);
  assert.equal(peer.persisted.length, 0);
  const keys = (await peer.run(I1, CDB.prIn(0))).dataIn!;
  assert.equal(keys.readUInt32BE(0), mirrored.generation);
  assert.equal(keys.readUInt32BE(4), 16);
  assert.deepEqual([keys.readBigUInt64BE(8), keys.readBigUInt64BE(16)], [0x1234n, 0x5678n]);
  mirrored.registrations.length = 0; // applyPrState copied it
  assert.equal((await peer.run(I1, CDB.prIn(0))).dataIn!.readUInt32BE(4), 16);
});

test('LUN RESET: the peer is reset (onLuReset awaited) before the UA is raised and the TMF completes', async () => {
  const order: string[] = [];
  let release!: () => void;
  const f = fixture({
    lu: { onUnitAttentionBroadcast: (r) => void order.push(`ua ${r}`) },
    onLuReset: async () => {
      order.push('peer reset begins');
      await new Promise<void>((r) => (release = r));
      order.push('peer reset done');
    },
  });
  await f.run(I1, CDB.tur());
  const tmf = f.target.taskManagement({ nexus: I1, fn: TmfFunction.LunReset, lun: 0 });
  await tick();
  assert.deepEqual(order, ['peer reset begins']);
  release();
  assert.equal(await tmf, TmfResult.Complete);
  assert.deepEqual(order, ['peer reset begins', 'peer reset done', 'ua UaBusDeviceReset']);
});

test('resetFromPeer aborts every task on the LU; quiesce waits for tasks in flight except the named nexus', async () => {
  const router = new FakeRouter();
  const answers: Array<(r: ScsiResponse) => void> = [];
  router.decision = { kind: 'forward', forward: () => new Promise<ScsiResponse>((r) => answers.push(r)) };
  const f = fixture({ router });
  const p1 = f.target.execute(cmd(I1, [0xc0, 0, 0, 0, 0, 0]));
  const p2 = f.target.execute(cmd(I2, [0xc0, 0, 0, 0, 0, 0]));
  await tick();
  let drained = false;
  const q = f.target.quiesce(f.lu, I2.id).then(() => (drained = true));
  await tick();
  assert.equal(drained, false, 'I1 still in flight');
  answers[0]!({ status: 0 });
  await q;
  assert.equal((await p1).status, 0);
  const reset = f.target.resetFromPeer(f.lu);
  answers[1]!({ status: 0 });
  await reset;
  assert.equal((await p2).aborted, true);
  assert.equal(f.target.tasksInFlight, 0);
});

test('TPGS per nexus: 11b with a router, 00b for a nexus the router keeps off ALUA (no RTPG, no SET TARGET PORT GROUPS)', async () => {
  const router = new FakeRouter();
  const f = fixture({ router });
  const tpgs = async (n: ItNexus) => ((await f.run(n, CDB.inquiry(false, 0))).dataIn![5]! >> 4) & 0x3;
  assert.equal(await tpgs(I1), 3);
  (router as FakeRouter & { reportsAlua(n: ItNexus): boolean }).reportsAlua = (n) => n.id !== I2.id;
  assert.equal(await tpgs(I1), 3);
  assert.equal(await tpgs(I2), 0);
  assert.deepEqual(sense(await f.run(I2, CDB.rtpg())), [5, 0x20, 0x00]);
  assert.equal((await f.run(I1, CDB.rtpg())).status, 0);
  assert.equal((await fixture().run(I1, CDB.inquiry(false, 0))).dataIn![5]! >> 4 & 0x3, 1, 'one controller: implicit only');
});
