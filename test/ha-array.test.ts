// The dual-controller array end to end (`tandem up --controllers 2`): real controller
// processes, real iSCSI through a port of A and a port of B, our initiator for ALUA
// states and sense data. docs/ha.md; VNX failover modes (VNX note in docs/sources.md).
// Prevents regressions in ownership/ALUA reporting, trespass UAs, failover modes 1/2/3
// on the non-owner, forwarding, and controller-failure takeover of volumes and addresses.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { discover, InitiatorSession, scsi } from '../src/iscsi/initiator/index.js';
import { aluaStates, drainUas, senseOf, startHaArray, type HaArray } from './support/ha.js';
import type { RunningArray } from './support/tandem.js';

let ha: HaArray;
let arr: RunningArray;
let ports: Record<string, number>;
const sessions: InitiatorSession[] = [];

before(async () => {
  ha = await startHaArray();
  arr = ha.arr;
  ports = ha.ports;
});
after(async () => {
  for (const s of sessions) await s.close().catch(() => undefined);
  await ha?.close();
});

const open = (port: string, initiatorName?: string): Promise<InitiatorSession> => ha.open(port, initiatorName);
const settle = drainUas;
const clearUas = async (s: InitiatorSession): Promise<void> => void (await drainUas(s));
const states = aluaStates;
const ok = (args: string[]): Promise<string> => ha.ok(args);
const owner = (): Promise<string> => ha.owner();
const controllers = async () => (await arr.api<Array<{ name: string; state: string; ports: Array<{ name: string; servedBy: string | null }> }>>('GET', '/v1/controllers')).body;
async function setMode(mode: number | null): Promise<void> {
  assert.equal((await arr.api('PATCH', '/v1/hosts/hm', { failoverMode: mode })).status, 200);
}

test('two controllers online; RTPG: owner A active/optimized, B active/non-optimized; I/O through B is forwarded', async () => {
  const list = await controllers();
  assert.deepEqual(list.map((c) => [c.name, c.state]), [['A', 'online'], ['B', 'online']]);
  assert.equal(await owner(), 'A');
  const a = await open('A0');
  const b = await open('B0');
  await settle(a);
  await settle(b);
  assert.deepEqual(await states(a), { 1: 'active-optimized', 2: 'active-non-optimized' });
  assert.deepEqual(await states(b), { 1: 'active-optimized', 2: 'active-non-optimized' });
  const data = randomBytes(4096);
  await scsi.write10(b, 0, 100, data);
  assert.deepEqual(await scsi.read10(a, 0, 100, 8), data, 'written through B (forwarded), read through A (owner)');
});

test('SendTargets through either controller lists all four ports with their portal group tags', async () => {
  for (const via of ['A0', 'B1']) {
    const targets = await discover('127.0.0.1', ports[via]!, { initiatorName: 'iqn.2026-11.test:ha-disc' });
    assert.equal(targets.length, 1);
    const listed = targets[0]!.portals.map((p) => `${p.port},${p.tpgt}`).sort();
    assert.deepEqual(listed, [`${ports.A0},1`, `${ports.A1},2`, `${ports.B0},3`, `${ports.B1},4`].sort(), `via ${via}`);
  }
});

test('trespass via the CLI flips the ALUA states and queues UA 2Ah/06h on both controllers', async () => {
  const a = await open('A1');
  const b = await open('B1');
  await settle(a);
  await settle(b);
  await ok(['volume', 'trespass', 'demo', '--to', 'B']);
  assert.equal(await owner(), 'B');
  assert.deepEqual(await settle(a), ['2a/06']);
  assert.deepEqual(await settle(b), ['2a/06']);
  assert.deepEqual(await states(a), { 1: 'active-non-optimized', 2: 'active-optimized' });
  await ok(['volume', 'trespass', 'demo', '--to', 'A']);
  assert.equal(await owner(), 'A');
  assert.deepEqual(await settle(b), ['2a/06']);
  assert.deepEqual(await states(b), { 1: 'active-optimized', 2: 'active-non-optimized' });
});

test('failover modes on the non-owner: 1 NOT READY 04h/03h, 3 TUR GOOD but I/O NOT READY, 2 trespasses', async () => {
  const ini = 'iqn.2026-11.test:ha-modes';
  assert.equal((await arr.api('POST', '/v1/hosts', { name: 'hm', initiators: [ini] })).status, 201);
  await ok(['host', 'set-failover-mode', 'hm', '1']);
  const b = await open('B0', ini);
  await clearUas(b);
  assert.equal(await senseOf(scsi.testUnitReady(b, 0)), '2/4/03');
  assert.equal(await senseOf(scsi.read10(b, 0, 0, 1)), '2/4/03');
  await setMode(3);
  assert.equal(await senseOf(scsi.testUnitReady(b, 0)), 'GOOD');
  assert.equal(await senseOf(scsi.read10(b, 0, 0, 1)), '2/4/03');
  await setMode(2);
  assert.equal(await senseOf(scsi.read10(b, 0, 0, 1)), 'GOOD');
  assert.equal(await owner(), 'B', 'mode 2 (DMP): I/O on the non-owner trespassed the volume');
  await ok(['volume', 'trespass', 'demo', '--to', 'A']);
  await setMode(null);
});

test('kill-controller of the owner: B takes over the volume and A0\'s address; data written before reads back', async (t) => {
  const a = await open('A0', 'iqn.2026-11.test:ha-kill');
  await settle(a);
  const data = randomBytes(8192);
  await scsi.write10(a, 0, 2048, data);
  // PR state is mirrored to the peer before the PR OUT is acknowledged (REGISTER, SA 00h).
  await scsi.persistentReserveOut(a, 0, 0x00, { serviceActionKey: 0xabcn });
  const t0 = Date.now();
  await ok(['fault', 'kill-controller', 'A']);
  let served: InitiatorSession | undefined;
  while (!served && Date.now() - t0 < 5000) {
    const s = new InitiatorSession({ host: '127.0.0.1', port: ports.A0!, targetName: arr.iqn, initiatorName: 'iqn.2026-11.test:ha-kill2', reconnect: false });
    try {
      await s.connect();
      await settle(s);
      if ((await states(s))[1] === 'active-optimized') served = s;
      else await s.close();
    } catch {
      await s.close().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const took = Date.now() - t0;
  assert.ok(served, 'A0 address served again');
  sessions.push(served);
  assert.ok(took < 2500, `takeover took ${took} ms`);
  t.diagnostic(`takeover ${took} ms`);
  assert.deepEqual(await scsi.read10(served, 0, 2048, 16), data);
  assert.deepEqual((await scsi.persistentReserveIn(served, 0, 0x00)).keys, [0xabcn], 'registration survived the owner\'s death');
  assert.equal(await owner(), 'B');
  const list = await controllers();
  assert.equal(list[0]!.state, 'failed');
  assert.deepEqual(list[0]!.ports.map((p) => p.servedBy), ['B0', 'B1']);
  const openAlerts = async () => JSON.stringify((await arr.api<Array<{ clearedAt: string | null }>>('GET', '/v1/alerts')).body.filter((a) => a.clearedAt === null));
  assert.match(await openAlerts(), /controller A failed: waiting for operator enable/);
  // Operator enable: A rejoins, B gives A's addresses back.
  const en = await arr.cli(['controller', 'enable', 'A']);
  assert.equal(en.code, 0, `${en.stdout}${en.stderr}\n${arr.output().split('\n').filter((l) => !l.includes('"level":30')).slice(-30).join('\n')}`);
  assert.deepEqual((await controllers()).map((c) => c.state), ['online', 'online']);
  assert.doesNotMatch(await openAlerts(), /controller A failed/);
  const back = await open('A1', 'iqn.2026-11.test:ha-kill3');
  await settle(back);
  assert.deepEqual(await scsi.read10(back, 0, 2048, 16), data, 'read through the rejoined controller A (forwarded to owner B)');
});
