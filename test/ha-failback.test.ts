// Failure handling of the dual-controller array driven by the failover machine
// (src/controller/failover-machine.ts through src/controller/runtime/failover-binding.ts), with
// real controller processes and our initiator:
//  - a HUNG owner (SIGSTOP): the peer misses its heartbeats, sees its lease expire, has
//    it fenced by the supervisor and takes over — no process exit involved;
//  - failback policy auto: the supervisor restarts a killed controller by itself and the
//    survivor returns its volumes after failbackDelayMs;
//  - an explicit ALUA transitioning state during a move (RTPG, NOT READY 04h/0Ah);
//  - LUN RESET through one controller reaches the I_T nexuses of the other;
//  - the cluster policy and ipFailover changed at run time survive a restart.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scsi } from '../src/iscsi/initiator/index.js';
import { aluaStates, drainUas, senseOf, startHaArray, waitFor, type HaArray } from './support/ha.js';

let ha: HaArray;
const dataDir = mkdtempSync(join(tmpdir(), 'tandem-failback-'));

before(async () => {
  ha = await startHaArray({ dataDir });
  if ((await ha.owner()) !== 'A') await ha.ok(['volume', 'trespass', 'demo', '--to', 'A']);
});
after(async () => {
  await ha?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

type Ctl = { name: string; state: string; volumesOwned: string[] };
const controllers = async () => (await ha.arr.api<Ctl[]>('GET', '/v1/controllers')).body;
const ctl = async (name: string) => (await controllers()).find((c) => c.name === name)!;
const events = async () => (await ha.arr.api<Array<{ short: string }>>('GET', '/v1/events?limit=200')).body.map((e) => e.short);

test('a hung owner (SIGSTOP) is detected by heartbeat loss, fenced through its lease, and taken over', async (t) => {
  const b = await ha.open('B0', 'iqn.2026-11.test:hang');
  await drainUas(b);
  const data = randomBytes(4096);
  await scsi.write10(b, 0, 4096, data); // forwarded to the owner A, acknowledged
  await ha.ok(['fault', 'hang-controller', 'A']);
  const took = await waitFor('controller B to own demo', async () => (await ctl('B')).volumesOwned.includes('demo'), 15_000)
    .catch((err: Error) => { throw new Error(`${err.message}\n${ha.tail()}`); });
  t.diagnostic(`hang → takeover ${took} ms (heartbeat timeout 600 ms and lease 800 ms overlap; then the fence)`);
  assert.equal((await ctl('A')).state, 'fenced');
  const ev = (await events()).join('\n');
  assert.match(ev, /heartbeat lost on peer link/);
  assert.match(ev, /controller A fenced/);
  assert.deepEqual(await drainUas(b), ['2a/06'], 'hosts see the access state change');
  assert.deepEqual(await aluaStates(b), { 1: 'active-optimized', 2: 'active-optimized' }, 'B serves A\'s group too');
  assert.deepEqual(await scsi.read10(b, 0, 4096, 8), data, 'the write acknowledged by the hung owner reads back');
  await ha.ok(['controller', 'enable', 'A']);
  await waitFor('A online', async () => (await ctl('A')).state === 'online');
  assert.equal(await ha.owner(), 'B', 'failback manual: the volume stays on B');
  await ha.ok(['controller', 'failback', 'A']);
  assert.equal(await ha.owner(), 'A');
});

test('failback auto: a killed controller is restarted by the supervisor and gets its volumes back after the delay', async (t) => {
  await ha.ok(['cluster', 'policy', 'set', '--failback', 'auto', '--failback-delay', '300']);
  await ha.ok(['fault', 'kill-controller', 'A']);
  await waitFor('B to take demo', async () => (await ctl('B')).volumesOwned.includes('demo'), 10_000, 50);
  const back = await waitFor('A restarted and demo back on A', async () => (await ctl('A')).state === 'online' && (await ha.owner()) === 'A', 20_000);
  t.diagnostic(`restart + failback ${back} ms after the takeover`);
  const ev = (await events()).join('\n');
  assert.match(ev, /enabled by supervisor \(failback policy auto\)/);
  assert.match(ev, /volumes failed back to controller A/);
  assert.match(ev, /volume demo trespassed from B to A: failback to the preferred owner/);
  const open = (await ha.arr.api<Array<{ key: string; clearedAt: string | null }>>('GET', '/v1/alerts')).body.filter((a) => a.clearedAt === null);
  assert.deepEqual(open.map((a) => a.key), [], 'no alert left open after an automatic recovery');
  await ha.ok(['cluster', 'policy', 'set', '--failback', 'manual']);
});

test('a move holds ALUA transitioning on both controllers: RTPG shows it, media commands get NOT READY 04h/0Ah', async () => {
  await ha.ok(['cluster', 'policy', 'set', '--transition-hold', '3000']);
  const a = await ha.open('A1', 'iqn.2026-11.test:transition');
  const b = await ha.open('B1', 'iqn.2026-11.test:transition');
  await drainUas(a);
  await drainUas(b);
  const moving = ha.arr.cli(['volume', 'trespass', 'demo', '--to', 'B']);
  await waitFor('transitioning seen through A', async () => Object.values(await aluaStates(a)).includes('transitioning'), 3000, 20);
  assert.deepEqual(await drainUas(b), ['2a/06'], 'entering transitioning is an access state change');
  assert.deepEqual(await aluaStates(b), { 1: 'transitioning', 2: 'transitioning' });
  assert.equal((await ha.arr.api<{ ownershipTransitioning: boolean }>('GET', '/v1/volumes/demo')).body.ownershipTransitioning, true, 'volume show says so');
  assert.equal(await senseOf(scsi.read10(b, 0, 0, 1)), '2/4/0a');
  assert.equal(await senseOf(scsi.write10(a, 0, 0, Buffer.alloc(512))), '2/4/0a');
  assert.equal((await moving).code, 0);
  assert.ok((await drainUas(a)).includes('2a/06'));
  assert.deepEqual(await aluaStates(a), { 1: 'active-non-optimized', 2: 'active-optimized' });
  assert.deepEqual(await drainUas(b), ['2a/06'], 'leaving transitioning too');
  assert.equal(await senseOf(scsi.read10(b, 0, 0, 1)), 'GOOD');
  await ha.ok(['cluster', 'policy', 'set', '--transition-hold', '0']);
  await ha.ok(['volume', 'trespass', 'demo', '--to', 'A']);
});

test('LUN RESET through the non-owner: BUS DEVICE RESET (29h/03h) on the nexuses of both controllers', async () => {
  const a = await ha.open('A0', 'iqn.2026-11.test:reset-a');
  const b = await ha.open('B0', 'iqn.2026-11.test:reset-b');
  await drainUas(a);
  await drainUas(b);
  assert.equal(await b.lunReset(0), 0);
  assert.deepEqual(await drainUas(a), ['29/03']);
  assert.deepEqual(await drainUas(b), ['29/03']);
  assert.equal(await senseOf(scsi.read10(a, 0, 0, 1)), 'GOOD');
});

test('back-end failure of the owner: the volume trespasses to B, I/O through A is redirected, repair brings it back', async () => {
  assert.equal(await ha.owner(), 'A');
  const a = await ha.open('A0', 'iqn.2026-11.test:backend');
  await drainUas(a);
  const data = randomBytes(2048);
  await scsi.write10(a, 0, 8192, data);
  const msg = await ha.ok(['fault', 'backend-fail', 'A']);
  assert.match(msg, /1 volume\(s\) trespassed to B/);
  assert.equal(await ha.owner(), 'B');
  assert.deepEqual(await drainUas(a), ['2a/06']);
  assert.deepEqual(await aluaStates(a), { 1: 'active-non-optimized', 2: 'active-optimized' }, 'A cannot reach the back end but redirects');
  assert.deepEqual(await scsi.read10(a, 0, 8192, 4), data, 'read through A, served by B');
  await scsi.write10(a, 0, 8196, data);
  assert.match((await events()).join('\n'), /volume demo trespassed from A to B: back end unreachable from the owner/);
  await ha.ok(['fault', 'backend-repair', 'A']);
  assert.equal(await ha.owner(), 'A');
  assert.deepEqual(await drainUas(a), ['2a/06']);
  assert.deepEqual(await scsi.read10(a, 0, 8196, 4), data);
});

test('peer link cut with both controllers alive: no takeover, the non-owner is standby, moves are refused; restore heals', async () => {
  assert.equal(await ha.owner(), 'A');
  const a = await ha.open('A1', 'iqn.2026-11.test:split');
  const b = await ha.open('B1', 'iqn.2026-11.test:split');
  await drainUas(a);
  await drainUas(b);
  await ha.ok(['fault', 'peer-link-cut']);
  await waitFor('B reports standby', async () => {
    await drainUas(b);
    return (await aluaStates(b))[2] === 'standby';
  }, 5000, 50);
  assert.equal(await senseOf(scsi.read10(b, 0, 0, 1)), '2/4/0b', 'standby: LOGICAL UNIT NOT ACCESSIBLE, TARGET PORT IN STANDBY STATE');
  await drainUas(a);
  assert.equal(await senseOf(scsi.read10(a, 0, 0, 1)), 'GOOD', 'the owner keeps serving');
  await waitFor('the isolation alert', async () => (await ha.arr.api<Array<{ key: string; clearedAt: string | null }>>('GET', '/v1/alerts')).body
    .some((x) => x.key.startsWith('peer-link-lost:') && x.clearedAt === null), 5000);
  await new Promise((r) => setTimeout(r, 1500)); // well past heartbeat timeout + lease: still no takeover
  assert.equal(await ha.owner(), 'A');
  assert.deepEqual((await controllers()).map((c) => c.state), ['online', 'online']);
  const tr = await ha.arr.cli(['volume', 'trespass', 'demo', '--to', 'B']);
  assert.equal(tr.code, 4, tr.stdout + tr.stderr);
  assert.match(tr.stderr, /peer link is down/);
  assert.match((await events()).join('\n'), /peer link to controller [AB] lost, peer alive/);
  await ha.ok(['fault', 'peer-link-restore']);
  await waitFor('B active/non-optimized again', async () => {
    await drainUas(b);
    return (await aluaStates(b))[2] === 'active-non-optimized';
  }, 5000, 50);
  assert.equal(await senseOf(scsi.read10(b, 0, 0, 1)), 'GOOD');
  await waitFor('the isolation alert cleared', async () => !(await ha.arr.api<Array<{ key: string; clearedAt: string | null }>>('GET', '/v1/alerts')).body
    .some((x) => x.key.startsWith('peer-link-lost:') && x.clearedAt === null), 5000);
});

test('controller disable: the peer takes its volumes and addresses without a failure alert; the last one cannot be disabled', async () => {
  await ha.ok(['volume', 'trespass', 'demo', '--to', 'B']);
  await ha.ok(['controller', 'disable', 'B']);
  await waitFor('A owns demo', async () => (await ctl('A')).volumesOwned.includes('demo'), 5000, 50);
  const b = (await ha.arr.api<Array<{ name: string; state: string; ports: Array<{ servedBy: string | null }> }>>('GET', '/v1/controllers')).body.find((c) => c.name === 'B')!;
  assert.equal(b.state, 'disabled');
  await waitFor('B0/B1 served by A', async () => JSON.stringify((await ha.arr.api<Array<{ name: string; ports: Array<{ servedBy: string | null }> }>>('GET', '/v1/controllers')).body
    .find((c) => c.name === 'B')!.ports.map((p) => p.servedBy)) === JSON.stringify(['A0', 'A1']), 5000, 50);
  const s = await ha.open('B0', 'iqn.2026-11.test:disable');
  await drainUas(s);
  assert.equal(await senseOf(scsi.read10(s, 0, 0, 1)), 'GOOD', 'B0\'s address now reaches A');
  const open = (await ha.arr.api<Array<{ key: string; clearedAt: string | null }>>('GET', '/v1/alerts')).body.filter((x) => x.clearedAt === null);
  assert.deepEqual(open.map((x) => x.key).filter((k) => k.startsWith('controller-failed')), [], 'an operator action is not a failure');
  const last = await ha.arr.cli(['controller', 'disable', 'A']);
  assert.equal(last.code, 4, last.stdout + last.stderr);
  assert.match(last.stderr, /last one online/);
  await ha.ok(['controller', 'enable', 'B']);
  await waitFor('B online', async () => (await ctl('B')).state === 'online');
  assert.equal(await ha.owner(), 'A');
});

test('cluster policy and ipFailover set at run time survive a restart of the array', async () => {
  await ha.ok(['cluster', 'policy', 'set', '--failback', 'auto', '--alua-threshold', '5000']);
  await ha.ok(['controller', 'set-ipfailover', 'B', 'remote']);
  const ports = ha.ports;
  await ha.close();
  ha = await startHaArray({ dataDir, ports });
  const p = JSON.parse(await ha.ok(['--json', 'cluster', 'policy'])) as { failback: string; aluaTrespassThreshold: number };
  assert.equal(p.failback, 'auto');
  assert.equal(p.aluaTrespassThreshold, 5000);
  const b = JSON.parse(await ha.ok(['--json', 'controller', 'show', 'B'])) as { ipFailover: string };
  assert.equal(b.ipFailover, 'remote');
});
