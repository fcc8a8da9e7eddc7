// PR state is durable (docs/ha.md «LU state belongs to the array»), judged by libiscsi
// through test/peers/pr-client.c:
//  - a power cut of the whole array (SIGKILL of the supervisor and both controllers) or a
//    clean stop, then `tandem up` again, is a power on of the logical units: registrations
//    and the reservation survive only with APTPL (SPC-4 §5.9.4), mode parameter changes not
//    at all (no saved values);
//  - every PR OUT acknowledged before the power cut is there afterwards, even with PR OUTs
//    in flight when it came;
//  - both controllers killed while the supervisor lives is no power on: everything survives
//    without APTPL once an operator enables them.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHaArray, waitFor, type HaArray } from './support/ha.js';
import { requireTools } from './support/peer-tools.js';
import { buildPrClient, prClient, prClientInBackground, type PrHost, type PrOpResult } from './support/pr-client.js';

const I1: PrHost = { name: 'iqn.2026-11.test:durable-host1', isid: 0x11 };
const I2: PrHost = { name: 'iqn.2026-11.test:durable-host2', isid: 0x22 };
const tools = requireTools('cc', 'libiscsi-dev');
const dirs: string[] = [];
let ha: HaArray | undefined;

after(async () => {
  await ha?.close().catch(() => undefined);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const url = (h: HaArray, p: string) => `iscsi://127.0.0.1:${h.ports[p]}/${h.arr.iqn}/0`;
const status = (r: PrOpResult[]): string => r.map((x) => x.status).join(',');

async function start(dataDir: string): Promise<HaArray> {
  ha = await startHaArray({ dataDir, keepDataDir: true });
  return ha;
}

async function picture(h: HaArray): Promise<{ generation: number; keys: string[]; holder: string | null; type: number | null; wce: number }> {
  const [k, r, m] = await prClient(url(h, 'A0'), I1, ['read-keys', 'read-reservation', 'wce']);
  assert.equal(status([k!, r!, m!]), 'GOOD,GOOD,GOOD');
  return { generation: k!.generation!, keys: [...k!.keys!].sort(), holder: r!.key ?? null, type: r!.type ?? null, wce: m!.wce! };
}

/** A power cut: the supervisor and both controller processes SIGKILLed at once. */
async function powerCut(h: HaArray): Promise<void> {
  const ctls = (await h.arr.api<Array<{ pid: number | null }>>('GET', '/v1/controllers')).body;
  const pids = [h.arr.child.pid!, ...ctls.map((c) => c.pid).filter((p): p is number => p !== null)];
  assert.equal(pids.length, 3);
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  await h.arr.stop();
  await waitFor('every process gone', async () => pids.every((pid) => { try { process.kill(pid, 0); return false; } catch { return true; } }), 10_000, 50);
}

async function setUp(h: HaArray, aptpl: boolean): Promise<void> {
  const reg = aptpl ? 'register-aptpl' : 'register';
  assert.equal(status(await prClient(url(h, 'A0'), I1, [`${reg}:1111`])), 'GOOD');
  assert.equal(status(await prClient(url(h, 'B0'), I2, [`${reg}:2222`, 'reserve:2222:1', 'set-wce:0'])), 'GOOD,GOOD,GOOD');
}

const events = async (h: HaArray) => (await h.arr.api<Array<{ short: string }>>('GET', '/v1/events?limit=200')).body.map((e) => e.short).join('\n');

test('power cut of the whole array without APTPL: tandem up again starts with no registration, no reservation, default mode values', tools, async () => {
  await buildPrClient();
  const dir = mkdtempSync(join(tmpdir(), 'tandem-pr-durable-'));
  dirs.push(dir);
  let h = await start(dir);
  await setUp(h, false);
  assert.deepEqual(await picture(h), { generation: 2, keys: ['1111', '2222'], holder: '2222', type: 1, wce: 0 });
  await powerCut(h);
  h = await start(dir);
  assert.deepEqual(await picture(h), { generation: 0, keys: [], holder: null, type: null, wce: 1 });
  assert.equal(status(await prClient(url(h, 'A0'), I1, ['write:8'])), 'GOOD', 'nothing reserved any more');
  assert.match(await events(h), /array power on: persistent reservations released \(no APTPL\) on demo/);
  await h.close();
  ha = undefined;
});

test('power cut with APTPL: registrations, holder and type survive; mode parameter changes do not (no saved values)', tools, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-pr-durable-'));
  dirs.push(dir);
  let h = await start(dir);
  await setUp(h, true);
  const before = await picture(h);
  assert.deepEqual(before, { generation: 2, keys: ['1111', '2222'], holder: '2222', type: 1, wce: 0 });
  await powerCut(h);
  h = await start(dir);
  assert.deepEqual(await picture(h), { ...before, wce: 1 });
  assert.equal(status(await prClient(url(h, 'B1'), I1, ['write:8'])), 'RESERVATION_CONFLICT');
  assert.equal(status(await prClient(url(h, 'B0'), I2, ['write:8'])), 'GOOD');
  assert.match(await events(h), /array power on: persistent reservations kept \(APTPL\) on demo/);
  // A clean stop is a power on too: APTPL state again survives, and without APTPL nothing does.
  await h.arr.stop();
  h = await start(dir);
  assert.deepEqual(await picture(h), { ...before, wce: 1 });
  assert.equal(status(await prClient(url(h, 'B0'), I2, ['clear:2222'])), 'GOOD');
  await setUp(h, false);
  await h.arr.stop();
  h = await start(dir);
  assert.deepEqual(await picture(h), { generation: 0, keys: [], holder: null, type: null, wce: 1 });
  await h.close();
  ha = undefined;
});

test('power cut in the middle of a stream of PR OUTs: every acknowledged one survives (APTPL), at most the one in flight more', tools, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-pr-durable-'));
  dirs.push(dir);
  let h = await start(dir);
  assert.equal(status(await prClient(url(h, 'A0'), I1, ['register-aptpl:1'])), 'GOOD');
  const ops = Array.from({ length: 400 }, (_, i) => `register-aptpl:${(i + 2).toString(16)}`);
  const stream = await prClientInBackground(url(h, 'B1'), I2, ops); // through the non-owner: forwarded to A
  await stream.firstLine;
  await new Promise((r) => setTimeout(r, 300));
  await powerCut(h);
  const acked = (await stream.done.catch((err: Error) => err.message.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as PrOpResult)))
    .filter((r) => r.status === 'GOOD').length;
  assert.ok(acked > 0 && acked < ops.length, `the power cut came in the middle (${acked} of ${ops.length} acknowledged)`);
  h = await start(dir);
  const k = (await prClient(url(h, 'A0'), I1, ['read-keys']))[0]!;
  // Generation 1 (I1's registration) + one per REGISTER AND IGNORE EXISTING KEY of I2.
  assert.ok(k.generation === 1 + acked || k.generation === 2 + acked, `generation ${k.generation} after ${acked} acknowledged PR OUTs`);
  const saved = k.generation! - 1; // I2's registrations that were saved: its key is the last one's
  t.diagnostic(`${acked} PR OUTs acknowledged before the power cut, ${saved} found after it`);
  assert.deepEqual([...k.keys!].sort(), ['1', (saved + 1).toString(16)].sort());
  await h.close();
  ha = undefined;
});

test('both controllers killed while the supervisor lives is no power on: all the LU state survives without APTPL', tools, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-pr-durable-'));
  dirs.push(dir);
  const h = await start(dir);
  await setUp(h, false);
  const before = await picture(h);
  await h.ok(['fault', 'kill-controller', 'A']);
  await waitFor('B owns demo', async () => (await h.owner()) === 'B', 20_000);
  await h.ok(['fault', 'kill-controller', 'B']);
  await waitFor('both down', async () => (await h.arr.api<Array<{ state: string }>>('GET', '/v1/controllers')).body.every((c) => c.state !== 'online'), 10_000);
  await h.ok(['controller', 'enable', 'A']);
  await waitFor('PR IN through A0', async () => (await prClient(url(h, 'A0'), I1, ['read-keys']))[0]?.status === 'GOOD', 30_000, 250);
  assert.deepEqual(await picture(h), before);
  await h.ok(['controller', 'enable', 'B']);
  await waitFor('B online', async () => (await h.arr.api<Array<{ name: string; state: string }>>('GET', '/v1/controllers')).body.every((c) => c.state === 'online'), 30_000);
  assert.deepEqual(await picture(h), before);
  assert.equal(status(await prClient(url(h, 'B1'), I1, ['write:8'])), 'RESERVATION_CONFLICT');
  await h.close();
  ha = undefined;
});
