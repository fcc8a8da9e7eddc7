// Starting twice never harms (docs/processes.md "Starting twice"): a second `tandem up`
// (the default two controllers, and --controllers 1) on a running array's data directory
// exits 4 naming the running supervisor's pid, and the running array's controllers,
// lease epochs, api.json, alerts and events are exactly as before, while I/O through A0
// goes on with libiscsi's iscsi-inq and QEMU's iSCSI driver (qemu-io). The same for a
// second `tandem-host up` on a running agent's data directory (its api.json and paths
// untouched). A lock left by SIGKILL of the whole array is taken over by the next start,
// which says so; two starts at the same moment on a fresh directory: exactly one wins.
// Prevents: a second start fencing the running controllers, taking over their volumes,
// rewriting api.json, or leaving a lock nobody can clear.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_ENDPOINT_FILE } from '../src/lib/api-contract.js';
import { requireTools } from './support/peer-tools.js';
import { freePort } from './support/ports.js';
import { run, type RunResult } from './support/run.js';
import { cliPath, repoRoot, startArray, type RunningArray } from './support/tandem.js';

const hostCli = join(repoRoot, 'dist/src/host/cli/main.js');
const tools = requireTools('iscsi-inq', 'qemu-io', 'qemu-iscsi');
const dir = mkdtempSync(join(tmpdir(), 'start-twice-'));
let arr: RunningArray;
after(async () => {
  await arr?.stop();
  rmSync(dir, { recursive: true, force: true });
});
before(async () => {
  arr = await startArray({ dataDir: join(dir, 'array'), keepDataDir: true });
});

interface Ctl { name: string; pid: number | null; state: string; leaseEpoch?: number; volumesOwned: string[]; ports: Array<{ name: string; servedBy: string | null }> }

/** Everything of the running array a second start must leave alone. */
async function snapshot(a: RunningArray) {
  const controllers = (await a.api<Ctl[]>('GET', '/v1/controllers')).body;
  const alerts = (await a.api<unknown[]>('GET', '/v1/alerts')).body;
  const events = (await a.api<Array<{ id: number }>>('GET', '/v1/events?limit=10000')).body;
  return { controllers, alerts, events: events.map((e) => e.id), apiJson: readFileSync(join(a.dataDir, API_ENDPOINT_FILE), 'utf8') };
}

/** `tandem up` on `dataDir` to completion (a refusal), with its own API port. */
async function upAgain(dataDir: string, extra: string[]): Promise<RunResult> {
  return run(process.execPath, [cliPath, 'up', '--data-dir', dataDir, '--api', `127.0.0.1:${await freePort()}`, ...extra], {
    timeoutMs: 30_000, env: { ...process.env, TANDEM_LOG_LEVEL: 'warn' },
  });
}

async function ioThroughA0(a: RunningArray, pattern: number): Promise<void> {
  const inq = await run('iscsi-inq', ['-i', 'iqn.2026-11.test:twice', a.url(0)], { timeoutMs: 20_000 });
  assert.equal(inq.code, 0, inq.stderr);
  assert.match(inq.stdout, /TANDEM/);
  const io = await run('qemu-io', ['--image-opts', a.qemuOpts(0, 'iqn.2026-11.test:twice'), '-c', `write -P ${pattern} 0 64k`, '-c', `read -P ${pattern} 0 64k`], { timeoutMs: 30_000 });
  assert.equal(io.code, 0, io.stdout + io.stderr);
  assert.doesNotMatch(io.stdout, /Pattern verification failed|error/i, io.stdout);
}

/** The snapshot once the event log has stopped moving (the logouts of a finished tool land a moment later). */
async function settled(a: RunningArray) {
  for (let prev = await snapshot(a); ;) {
    await new Promise((r) => setTimeout(r, 500));
    const now = await snapshot(a);
    if (JSON.stringify(now) === JSON.stringify(prev)) return now;
    prev = now;
  }
}

test('a second tandem up (two controllers, then one) on a running array refuses naming its pid and changes nothing', tools, async () => {
  await ioThroughA0(arr, 0x5a);
  const before = await settled(arr);
  assert.deepEqual(before.controllers.map((c) => [c.name, c.state]), [['A', 'online'], ['B', 'online']]);
  const portal = arr.portal;
  for (const extra of [['--portal', portal], ['--controllers', '1', '--portal', portal]]) {
    const r = await upAgain(arr.dataDir, extra);
    assert.equal(r.code, 4, `exit code (conflict)\n${r.stdout}${r.stderr}`);
    assert.match(r.stderr, new RegExp(`data directory ${arr.dataDir} is in use by tandem up \\(controllers A, B\\), pid ${arr.child.pid}, running since \\S+, API ${arr.apiUrl}: nothing of it was touched`));
    assert.match(r.stderr, new RegExp(`kill -TERM ${arr.child.pid}`));
    assert.doesNotMatch(r.stdout, /ready/);
  }
  // A fence or takeover would show within a lease period and a heartbeat timeout.
  await new Promise((r) => setTimeout(r, 2000));
  const afterTwice = await snapshot(arr);
  assert.deepEqual(afterTwice, before, 'controllers (pids, states, lease epochs, owners, ports), alerts, events and api.json unchanged');
  assert.ok(before.controllers.every((c) => typeof c.leaseEpoch === 'number'), `the lease epochs were compared: ${JSON.stringify(before.controllers)}`);
  await ioThroughA0(arr, 0xa5);
  assert.doesNotMatch(arr.output(), /lease fenced|fenced controller/, 'nobody was fenced');
});

test('a second tandem-host up on a running agent refuses naming its pid; api.json and paths untouched', async () => {
  const hostDir = join(dir, 'host');
  const cfg = join(dir, 'host.json');
  writeFileSync(cfg, JSON.stringify({
    arrays: [{ name: 'a', portals: [arr.portal], initiatorName: 'iqn.2026-11.test:twice-host' }],
    nbd: { tcp: `127.0.0.1:${await freePort()}` }, api: '127.0.0.1:0', dataDir: hostDir,
  }));
  const agent = spawn(process.execPath, [hostCli, 'up', '--config', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  agent.stdout!.on('data', (d) => (out += d));
  agent.stderr!.on('data', (d) => (out += d));
  try {
    for (let i = 0; !/tandem-host ready/.test(out); i++) {
      assert.ok(i < 300 && agent.exitCode === null, `agent did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const apiJson = readFileSync(join(hostDir, API_ENDPOINT_FILE), 'utf8');
    const paths = await run(process.execPath, [hostCli, '--data-dir', hostDir, 'paths', '--json']);
    assert.equal(paths.code, 0, paths.stderr);
    const second = await run(process.execPath, [hostCli, 'up', '--config', cfg], { timeoutMs: 20_000 });
    assert.equal(second.code, 4, second.stdout + second.stderr);
    assert.match(second.stderr, new RegExp(`data directory ${hostDir} is in use by tandem-host up, pid ${agent.pid}, running since \\S+, API http://127\\.0\\.0\\.1:\\d+: nothing of it was touched`));
    assert.equal(readFileSync(join(hostDir, API_ENDPOINT_FILE), 'utf8'), apiJson, 'api.json as the running agent wrote it');
    const again = await run(process.execPath, [hostCli, '--data-dir', hostDir, 'paths', '--json']);
    assert.equal(again.code, 0, `tandem-host paths still reaches the running agent: ${again.stderr}`);
    const ids = (s: string) => (JSON.parse(s) as Array<{ paths: Array<{ id: string }> }>).flatMap((d) => d.paths.map((p) => p.id));
    assert.deepEqual(ids(again.stdout), ids(paths.stdout));
  } finally {
    agent.kill('SIGTERM');
    await new Promise((r) => (agent.exitCode !== null ? r(null) : agent.once('exit', r)));
  }
});

test('SIGKILL of the whole array leaves a stale lock: the next tandem up takes it over and says so', async () => {
  const controllers = (await arr.api<Ctl[]>('GET', '/v1/controllers')).body;
  const pids = [arr.child.pid!, ...controllers.map((c) => c.pid!)];
  const oldPid = arr.child.pid;
  const gone = new Promise((r) => arr.child.once('exit', r));
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  await gone;
  assert.match(readFileSync(join(arr.dataDir, 'tandem.lock'), 'utf8'), new RegExp(`"pid":${oldPid}`), 'the record of the dead holder is still there');
  arr = await startArray({ dataDir: arr.dataDir, keepDataDir: true });
  const cs = (await arr.api<Ctl[]>('GET', '/v1/controllers')).body;
  assert.deepEqual(cs.map((c) => [c.name, c.state]), [['A', 'online'], ['B', 'online']]);
  const ev = (await arr.api<Array<{ severity: string; short: string; long: string | null }>>('GET', '/v1/events?limit=50')).body;
  const started = ev.find((e) => e.short.startsWith('array started'))!;
  assert.equal(started.severity, 'warning');
  assert.match(started.long ?? '', new RegExp(`the previous array \\(tandem up \\(controllers A, B\\), pid ${oldPid}, running since \\S+\\) did not stop cleanly; this start took its data directory over`));
  const open = (await arr.api<Array<{ key: string; clearedAt: string | null }>>('GET', '/v1/alerts')).body.filter((a) => a.clearedAt === null);
  assert.deepEqual(open.map((a) => a.key), [], 'no alert of the killed run is left open');
});

test('two tandem up at the same moment on a fresh data directory: exactly one wins', async () => {
  const fresh = join(dir, 'race');
  const portal = `127.0.0.1:${await freePort()}`;
  const starts = await Promise.all([0, 1].map(async () => {
    const api = await freePort();
    const child = spawn(process.execPath, [cliPath, 'up', '--data-dir', fresh, '--api', `127.0.0.1:${api}`, '--portal', portal],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TANDEM_LOG_LEVEL: 'warn' } });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    return { child, output: () => out };
  }));
  try {
    const deadline = Date.now() + 30_000;
    while (!starts.some((s) => /Tandem array ready/.test(s.output())) || !starts.some((s) => s.child.exitCode !== null)) {
      assert.ok(Date.now() < deadline, starts.map((s) => s.output()).join('\n----\n'));
      await new Promise((r) => setTimeout(r, 100));
    }
    const winner = starts.find((s) => /Tandem array ready/.test(s.output()))!;
    const loser = starts.find((s) => s !== winner)!;
    assert.equal(loser.child.exitCode, 4, loser.output());
    assert.match(loser.output(), new RegExp(`is in use by tandem up \\(controllers A, B\\), pid ${winner.child.pid}`));
    assert.equal(winner.child.exitCode, null, 'the winner runs on');
  } finally {
    for (const s of starts) s.child.kill('SIGTERM');
    await Promise.all(starts.map((s) => new Promise((r) => (s.child.exitCode !== null ? r(null) : s.child.once('exit', r)))));
  }
});
