// Crash test of the dual-controller array (`tandem up --controllers 2`): the host agent
// (real initiator, ALUA multipath over all four ports A0 A1 B0 B1, NBD export) carries
// fio writing and verifying crc32c continuously; the owning controller A is SIGKILLed
// (`tandem fault kill-controller A`), B takes over, writes resume; then the operator
// enables A again and more verified I/O follows. docs/ha.md.
// Prevents: acknowledged writes lost or torn across a controller crash and its rejoin,
// and I/O errors surfacing to the host during the takeover.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../src/lib/logger.js';
import { parseHostConfig } from '../src/host/config.js';
import { runHostAgent, type RunningHostAgent } from '../src/host/run-agent.js';
import { allPathsAlive } from './support/host.js';
import { haveTools, requireTools } from './support/peer-tools.js';
import { freePort } from './support/ports.js';
import { startArray, type RunningArray } from './support/tandem.js';

const needsFio = requireTools('fio');
let dir: string;
let arr: RunningArray | undefined;
let host: RunningHostAgent | undefined;
const ports: Record<string, number> = {};

before(async () => {
  if (!haveTools('fio')) return;
  dir = mkdtempSync(join(tmpdir(), 'tandem-hacrash-'));
  for (const p of ['A0', 'A1', 'B0', 'B1']) ports[p] = await freePort();
  arr = await startArray({ extraArgs: ['--controllers', '2', ...Object.entries(ports).flatMap(([n, p]) => ['--portal', `${n}=127.0.0.1:${p}`])] });
  const cfg = parseHostConfig({
    arrays: [{ name: 'a1', portals: Object.values(ports).map((p) => `127.0.0.1:${p}`), initiatorName: 'iqn.2026-11.test:ha-crash' }],
    nbd: { tcp: '127.0.0.1:0', unix: join(dir, 'nbd.sock') },
    multipath: { selector: 'round-robin', checkerIntervalMs: 300, noPathRetryMs: 60_000, explicitFailover: false },
    api: '127.0.0.1:0',
    dataDir: join(dir, 'host'),
  });
  host = await runHostAgent(cfg, { logger: silentLogger(), retryIntervalMs: 300 });
});

after(async () => {
  await host?.stop();
  await arr?.stop('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface FioJob { error: number; read: { io_bytes: number }; write: { io_bytes: number } }
function runFio(name: string, extra: string[], timeoutS: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const uri = `nbd://127.0.0.1:${host!.agent.nbd.tcpAddress!.port}/tandem0`;
  return new Promise((resolve) => {
    const c = spawn('fio', [`--name=${name}`, '--verify_state_save=0', '--ioengine=nbd', `--uri=${uri}`, '--bs=4k', '--iodepth=8', '--size=32m',
      '--verify=crc32c', '--do_verify=1', '--verify_fatal=1', '--output-format=json', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => c.kill('SIGKILL'), timeoutS * 1000);
    c.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
function checkFio(r: { code: number | null; stdout: string; stderr: string }, what: string): FioJob {
  assert.equal(r.code, 0, `fio (${what}) failed:\n${r.stderr}\n${r.stdout.slice(0, 2000)}`);
  const job = (JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { jobs: FioJob[] }).jobs[0]!;
  assert.equal(job.error, 0, what);
  assert.doesNotMatch(r.stderr, /verify|crc32c|bad magic|error/i, what);
  return job;
}
const owner = async () => (await arr!.api<{ currentOwner: string }>('GET', '/v1/volumes/demo')).body.currentOwner;
async function cli(args: string[]): Promise<void> {
  const r = await arr!.cli(args);
  assert.equal(r.code, 0, `tandem ${args.join(' ')} → ${r.code}\n${r.stdout}${r.stderr}`);
}

test('the agent sees one device with a path through each of the four ports', needsFio, () => {
  assert.deepEqual(host!.firstScan.errors, []);
  const devs = host!.agent.list();
  assert.equal(devs.length, 1);
  assert.deepEqual(devs[0]!.paths.map((p) => p.portal).sort(), Object.values(ports).map((p) => `127.0.0.1:${p}`).sort());
});

test('SIGKILL of the owning controller under fio verify=crc32c, then enable: every acknowledged write reads back', { ...needsFio, timeout: 60_000 }, async (t) => {
  assert.equal(await owner(), 'A');
  // Phase 1: random writes + verify (verify_backlog re-reads acknowledged blocks while writing), A killed mid-run.
  const fio1 = runFio('crash', ['--rw=randwrite', '--time_based', '--runtime=8', '--verify_backlog=256'], 45);
  await new Promise((r) => setTimeout(r, 2500));
  const t0 = Date.now();
  await cli(['fault', 'kill-controller', 'A']);
  const j1 = checkFio(await fio1, 'across kill-controller A');
  assert.equal(await owner(), 'B');
  assert.ok(j1.write.io_bytes > 0 && j1.read.io_bytes > 0);
  t.diagnostic(`phase 1: wrote ${(j1.write.io_bytes / 2 ** 20).toFixed(1)} MiB, verified ${(j1.read.io_bytes / 2 ** 20).toFixed(1)} MiB across the kill (${Date.now() - t0} ms after it)`);
  // Phase 2: A rejoins; writes and verification continue, through A (forwarded) and B paths alike.
  await cli(['controller', 'enable', 'A']);
  const states = (await arr!.api<Array<{ state: string }>>('GET', '/v1/controllers')).body.map((c) => c.state);
  assert.deepEqual(states, ['online', 'online']);
  const j2 = checkFio(await runFio('rejoin', ['--rw=randrw', '--time_based', '--runtime=4', '--verify_backlog=256'], 40), 'after controller enable A');
  assert.ok(j2.write.io_bytes > 0 && j2.read.io_bytes > 0);
  // Paths to A come back.
  await allPathsAlive(host!, 10_000);
  t.diagnostic(`phase 2: wrote ${(j2.write.io_bytes / 2 ** 20).toFixed(1)} MiB, read ${(j2.read.io_bytes / 2 ** 20).toFixed(1)} MiB after enable, 0 errors`);
});
