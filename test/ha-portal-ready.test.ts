// Portals that answer only what they can serve, and ownership that only goes to a
// controller that can serve (docs/ha.md "Portals that serve", "Ownership and ALUA").
// Judged by third-party initiators (libiscsi's iscsi-inq, QEMU's qemu-io) making many
// rapid attempts on LUN 0 while
//  - a fresh `tandem up` starts (issue 9: logins succeeded before the demo volume and
//    its mapping existed, and qemu-io got ILLEGAL REQUEST 25h/00h, LOGICAL UNIT NOT
//    SUPPORTED, in 2 of 3 starts),
//  - a disabled controller is enabled,
//  - the owner is killed and the survivor takes over its address, then is restarted by
//    the supervisor (failback auto);
// every attempt either works or gets an answer initiators retry (connection refused
// while nothing listens, login 0x0301 SERVICE UNAVAILABLE): never LOGICAL UNIT NOT
// SUPPORTED for LUN 0, never a SCSI error for it. Then volumes created while B is
// disabled: without an owner they go to A and serve I/O through A (issue 9: they went
// to B and every I/O got NOT READY 04h/0Bh); naming B is refused with 409 and leaves
// no volume behind (issue 9: the volume existed after the 409).
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { scsi } from '../src/iscsi/initiator/index.js';
import { targetIqnFor } from '../src/store/identifiers.js';
import { requireTools } from './support/peer-tools.js';
import { drainUas, senseOf, startHaArray, waitFor, type HaArray } from './support/ha.js';
import { freePort } from './support/ports.js';
import { run } from './support/run.js';
import { cliPath } from './support/tandem.js';

const needs = requireTools('iscsi-inq', 'qemu-io', 'qemu-iscsi');
const cleanup: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const f of cleanup.reverse()) await f();
});

/** What one attempt on LUN 0 got. 'refused' and 'unavailable' are answers initiators retry. */
type Outcome = 'ok' | 'refused' | 'unavailable' | 'lun-not-supported' | `other: ${string}`;
const RULES: ReadonlyArray<[Outcome, RegExp]> = [
  ['lun-not-supported', /0x2500|LOGICAL_UNIT_NOT_SUPPORTED|LUN_NOT_SUPPORTED/i],
  ['unavailable', /Service unavailable|\(769\)/i],
  // libiscsi's words for a TCP connect nobody accepts (checked against a port without a listener).
  ['refused', /Can not reconnect right now|Connection refused|Failed to connect to iSCSI socket/i],
];

function classify(code: number | null, out: string): Outcome {
  const hit = RULES.find(([, re]) => re.test(out));
  if (hit) return hit[0];
  if (code === 0) return 'ok';
  return `other: ${out.trim().split('\n').slice(-2).join(' | ').slice(0, 300)}`;
}

/** Attempts on LUN 0 through `portal` by iscsi-inq and qemu-io, back to back, until stop() (each tool in its own loop). */
function attempts(portal: () => string, iqn: () => string | undefined): { stop(): Promise<Map<string, number>> } {
  let running = true;
  const seen = new Map<string, number>();
  const note = (tool: string, o: Outcome) => seen.set(`${tool} ${o}`, (seen.get(`${tool} ${o}`) ?? 0) + 1);
  const loop = async (tool: string, argv: (url: string, n: string) => [string, string[]]) => {
    while (running) {
      const name = iqn();
      if (!name) { await new Promise((r) => setTimeout(r, 20)); continue; }
      const [cmd, args] = argv(`iscsi://${portal()}/${name}/0`, `driver=iscsi,transport=tcp,portal=${portal()},target=${name},lun=0,initiator-name=iqn.2026-11.test:ready-${tool}`);
      const r = await run(cmd, args, { timeoutMs: 15_000 });
      note(tool, classify(r.code, `${r.stdout}\n${r.stderr}`));
    }
  };
  const loops = [
    loop('iscsi-inq', (url) => ['iscsi-inq', ['-i', 'iqn.2026-11.test:ready-inq', url]]),
    loop('qemu-io', (_url, opts) => ['qemu-io', ['-r', '--image-opts', opts, '-c', 'read 0 4k']]),
  ];
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return seen;
    },
  };
}

function assertRetryable(what: string, seen: Map<string, number>): void {
  const summary = [...seen].map(([k, n]) => `${k} ×${n}`).join(', ');
  const bad = [...seen.keys()].filter((k) => !/ (ok|refused|unavailable)$/.test(k));
  assert.deepEqual(bad, [], `${what}: every attempt worked or got a retryable answer (${summary})`);
  assert.ok([...seen.keys()].some((k) => k.endsWith(' ok')), `${what}: LUN 0 served in the end (${summary})`);
}

/** A fresh `tandem up` (both controllers), with attempts on A0 from the moment the store names the target. */
async function freshStart(t: { diagnostic(s: string): void }, round: number): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-ready-'));
  const ports: Record<string, number> = {};
  for (const p of ['A0', 'A1', 'B0', 'B1']) ports[p] = await freePort();
  const apiPort = await freePort();
  let iqn: string | undefined;
  const readIqn = (): string | undefined => {
    if (iqn || !existsSync(join(dataDir, 'tandem.db'))) return iqn;
    try {
      const db = new Database(join(dataDir, 'tandem.db'), { readonly: true, fileMustExist: true });
      try {
        const row = db.prepare('SELECT array_id FROM array_identity').get() as { array_id: string } | undefined;
        if (row) iqn = targetIqnFor(row.array_id);
      } finally {
        db.close();
      }
    } catch { /* the store is being created */ }
    return iqn;
  };
  const tries = attempts(() => `127.0.0.1:${ports.A0}`, readIqn);
  const t0 = Date.now();
  const child = spawn(process.execPath, [cliPath, 'up', '--data-dir', dataDir, '--api', `127.0.0.1:${apiPort}`,
    ...Object.entries(ports).flatMap(([n, p]) => ['--portal', `${n}=127.0.0.1:${p}`])], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TANDEM_LOG_LEVEL: 'warn' } });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const stopArray = async () => {
    if (child.exitCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitFor('Tandem array ready', async () => out.includes('Tandem array ready'), 60_000, 20);
    const readyAt = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 1500));
    const seen = await tries.stop();
    t.diagnostic(`fresh start ${round}: ready after ${readyAt} ms; attempts on LUN 0 through A0: ${[...seen].map(([k, n]) => `${k} ×${n}`).join(', ')}`);
    assertRetryable(`fresh start ${round}`, seen);
  } finally {
    await tries.stop();
    await stopArray();
  }
}

test('a fresh tandem up: logins before the array is ready get 0x0301 or nothing, never LUN NOT SUPPORTED', { ...needs, timeout: 120_000 }, async (t) => {
  for (let i = 1; i <= 3; i++) await freshStart(t, i);
});

let ha: HaArray | undefined;
const cli = (args: string[]) => ha!.ok(args);
type Ctl = { name: string; state: string };
const state = async (name: string) => (await ha!.arr.api<Ctl[]>('GET', '/v1/controllers')).body.find((c) => c.name === name)!.state;

test('controller enable, takeover and automatic restart: the address answers only what it can serve', { ...needs, timeout: 120_000 }, async (t) => {
  ha = await startHaArray();
  cleanup.push(() => ha?.close());
  const a0 = () => `127.0.0.1:${ha!.ports.A0}`;
  const iqn = () => ha!.arr.iqn;

  await cli(['controller', 'disable', 'A']);
  let tries = attempts(a0, iqn);
  await new Promise((r) => setTimeout(r, 1000));
  await cli(['controller', 'enable', 'A']);
  await waitFor('A online', async () => (await state('A')) === 'online', 30_000);
  await new Promise((r) => setTimeout(r, 1500));
  let seen = await tries.stop();
  t.diagnostic(`enable A: ${[...seen].map(([k, n]) => `${k} ×${n}`).join(', ')}`);
  assertRetryable('controller enable', seen);

  await cli(['cluster', 'policy', 'set', '--failback', 'auto', '--failback-delay', '300']);
  if ((await ha.owner()) !== 'A') await cli(['volume', 'trespass', 'demo', '--to', 'A']);
  tries = attempts(a0, iqn);
  await new Promise((r) => setTimeout(r, 1000));
  await cli(['fault', 'kill-controller', 'A']);
  await waitFor('B took over', async () => (await ha!.owner()) === 'B', 15_000);
  await waitFor('A restarted and demo back on A', async () => (await state('A')) === 'online' && (await ha!.owner()) === 'A', 30_000);
  await new Promise((r) => setTimeout(r, 1500));
  seen = await tries.stop();
  t.diagnostic(`takeover of A0 by B, then automatic restart of A: ${[...seen].map(([k, n]) => `${k} ×${n}`).join(', ')}`);
  assertRetryable('takeover and automatic restart', seen);
  await cli(['cluster', 'policy', 'set', '--failback', 'manual']);
});

test('volumes created while B is disabled: no owner → A, and it serves; --owner B → 409 and nothing is left', { timeout: 60_000 }, async () => {
  ha ??= await startHaArray();
  await cli(['controller', 'disable', 'B']);
  await waitFor('B disabled', async () => (await state('B')) === 'disabled', 10_000);
  const made = JSON.parse(await cli(['--json', 'volume', 'create', 'made-while-b-down', '--size', '64M'])) as { preferredOwner: string; currentOwner: string };
  assert.deepEqual([made.preferredOwner, made.currentOwner], ['A', 'A'], 'a volume goes to a controller that can serve it');
  await cli(['map', 'create', 'made-while-b-down', '--all-loopback', '--lun', '5']);
  const s = await ha.open('A0', 'iqn.2026-11.test:made-while-b-down');
  await drainUas(s);
  await waitFor('LUN 5 reported', async () => (await scsi.reportLuns(s)).includes(5), 5000);
  await drainUas(s);
  assert.equal(await senseOf(scsi.write10(s, 5, 0, Buffer.alloc(4096, 7))), 'GOOD', 'I/O through A works (it went NOT READY 04h/0Bh when B got the volume)');
  assert.deepEqual(await scsi.read10(s, 5, 0, 8), Buffer.alloc(4096, 7));

  const refused = await ha.arr.cli(['volume', 'create', 'wants-b', '--size', '64M', '--owner', 'B']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr + refused.stdout, /controller B: it is not online/);
  const r = await ha.arr.api<{ error: { code: string } }>('POST', '/v1/volumes', { name: 'wants-b', sizeBytes: 64 * 2 ** 20, owner: 'B' });
  assert.equal(r.status, 409);
  assert.equal((await ha.arr.api('GET', '/v1/volumes/wants-b')).status, 404, 'a refused create leaves no volume');
  const names = (await ha.arr.api<Array<{ name: string }>>('GET', '/v1/volumes')).body.map((v) => v.name).sort();
  assert.deepEqual(names, ['demo', 'made-while-b-down']);
  const db = new Database(join(ha.arr.dataDir, 'tandem.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT COUNT(*) AS n FROM volume_ownership').get() as { n: number };
    assert.equal(rows.n, 2, 'no ownership row left by the refused create');
  } finally {
    db.close();
  }
  await cli(['controller', 'enable', 'B']);
  await waitFor('B online', async () => (await state('B')) === 'online', 30_000);
});
