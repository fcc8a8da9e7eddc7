// End-to-end soak of the host side: a real Tandem array (the built `tandem up`) with
// two iSCSI portals, each reached through a TCP proxy the test can cut, the host agent
// in this process (real initiator, real multipath, NBD server), and fio (libnbd engine)
// writing and verifying crc32c through the NBD export for ~20 s while the test, every
// 3 s, in turn: cuts one path's connections (failover to the other), cuts both (I/O
// queues until the initiator reconnects), kills the array with SIGKILL and restarts it
// on the same data dir and portals, and stops it with SIGTERM and restarts it.
// Prevents: I/O errors or lost/torn writes surfacing to the NBD client when iSCSI
// connections drop and the agent has to fail over, reconnect and queue I/O meanwhile.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, silentLogger } from '../src/lib/logger.js';
import { parseHostConfig } from '../src/host/config.js';
import { runHostAgent, type RunningHostAgent } from '../src/host/run-agent.js';
import { allPathsAlive } from './support/host.js';
import { haveTools, requireTools } from './support/peer-tools.js';
import { freePort } from './support/ports.js';
import { startArray, type RunningArray } from './support/tandem.js';

const needsFio = requireTools('fio');
const SOAK_S = Number(process.env.TANDEM_SOAK_SECONDS ?? 20);
let dir: string;
let arrayDir: string;
let portals: string[];
let arr: RunningArray | undefined;
let host: RunningHostAgent | undefined;
const proxies: CutProxy[] = [];

/** A loopback TCP proxy whose connections can be cut (both sides reset) at will. */
class CutProxy {
  private readonly pairs = new Set<[Socket, Socket]>();
  private server: Server | undefined;
  port = 0;
  constructor(private readonly target: number) {}
  async start(): Promise<void> {
    this.server = createServer((a) => {
      const b = connect(this.target, '127.0.0.1');
      const pair: [Socket, Socket] = [a, b];
      this.pairs.add(pair);
      const drop = () => {
        this.pairs.delete(pair);
        a.destroy();
        b.destroy();
      };
      a.on('error', drop).on('close', drop);
      b.on('error', drop).on('close', drop);
      a.pipe(b);
      b.pipe(a);
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }
  cut(): number {
    const n = this.pairs.size;
    // destroy(), not resetAndDestroy(): on Node 20 the latter can leave a request
    // pending that makes the process spin forever in its exit-time handle cleanup.
    for (const [a, b] of [...this.pairs]) {
      a.destroy();
      b.destroy();
    }
    return n;
  }
  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

async function startTheArray(): Promise<RunningArray> {
  return startArray({ dataDir: arrayDir, keepDataDir: true, controllers: 1, extraArgs: portals.flatMap((p) => ['--portal', p]) });
}

before(async () => {
  if (!haveTools('fio')) return;
  dir = mkdtempSync(join(tmpdir(), 'tandem-soak-'));
  arrayDir = join(dir, 'array');
  portals = [`127.0.0.1:${await freePort()}`, `127.0.0.1:${await freePort()}`];
  arr = await startTheArray();
  for (const p of portals) {
    const px = new CutProxy(Number(p.split(':')[1]));
    await px.start();
    proxies.push(px);
  }
  const cfg = parseHostConfig({
    arrays: [{ name: 'a1', portals: proxies.map((p) => `127.0.0.1:${p.port}`), initiatorName: 'iqn.2026-11.test:soak-host' }],
    nbd: { tcp: '127.0.0.1:0', unix: join(dir, 'nbd.sock') },
    multipath: { selector: 'round-robin', checkerIntervalMs: 500, noPathRetryMs: 60_000, explicitFailover: false },
    api: '127.0.0.1:0',
    dataDir: join(dir, 'host'),
  });
  // TANDEM_SOAK_LOG=/path/file keeps the agent's log (debug level) for post-mortems.
  const logger = process.env.TANDEM_SOAK_LOG ? createLogger({ level: 'debug', destination: process.env.TANDEM_SOAK_LOG }) : silentLogger();
  host = await runHostAgent(cfg, { logger, retryIntervalMs: 1000 });
});

after(async () => {
  await host?.stop();
  await Promise.all(proxies.map((p) => p.stop()));
  await arr?.stop('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function runFio(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn('fio', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => c.kill('SIGKILL'), (SOAK_S + 90) * 1000);
    c.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('the agent found one device with a path through each portal', needsFio, () => {
  assert.deepEqual(host!.firstScan.errors, []);
  const devs = host!.agent.list();
  assert.equal(devs.length, 1);
  assert.equal(devs[0]!.name, 'tandem0');
  assert.match(devs[0]!.exports[1]!, /^(naa|serial)\./);
  assert.deepEqual(devs[0]!.paths.map((p) => p.portal).sort(), proxies.map((p) => `127.0.0.1:${p.port}`).sort());
});

test(`fio verify=crc32c through NBD for ${SOAK_S} s while paths are cut and the array is killed and restarted: zero errors`, { ...needsFio, timeout: (SOAK_S + 120) * 1000 }, async () => {
  const uri = `nbd://127.0.0.1:${host!.agent.nbd.tcpAddress!.port}/tandem0`;
  const fio = runFio(['--name=soak', '--verify_state_save=0', '--ioengine=nbd', `--uri=${uri}`, '--rw=randrw', '--bs=4k', '--iodepth=16', '--size=64m',
    '--time_based', `--runtime=${SOAK_S}`, '--verify=crc32c', '--do_verify=1', '--verify_backlog=512', '--verify_fatal=1', '--output-format=json']);
  const cuts: string[] = [];
  const t0 = Date.now();
  const at = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  const events: Array<() => Promise<string>> = [
    async () => `cut path A (${proxies[0]!.cut()} conns) at ${at()}`,
    async () => `cut both paths (${proxies[0]!.cut() + proxies[1]!.cut()} conns) at ${at()}`,
    async () => {
      await arr!.stop('SIGKILL');
      const s = `SIGKILL array at ${at()}`;
      arr = await startTheArray();
      return `${s}, back at ${at()}`;
    },
    async () => `cut path B (${proxies[1]!.cut()} conns) at ${at()}`,
    async () => {
      await arr!.stop('SIGTERM');
      const s = `SIGTERM array at ${at()}`;
      arr = await startTheArray();
      return `${s}, back at ${at()}`;
    },
  ];
  let i = 0;
  while (Date.now() - t0 < (SOAK_S - 5) * 1000) {
    await new Promise((r) => setTimeout(r, 3000));
    cuts.push(await events[i++ % events.length]!());
  }
  const r = await fio;
  assert.ok(cuts.length >= Math.min(3, Math.floor((SOAK_S - 5) / 3)), `the array was cut ${cuts.length} times`);
  assert.equal(r.code, 0, `fio failed after cuts [${cuts.join(', ')}]:\n${r.stderr}\n${r.stdout.slice(0, 2000)}`);
  const job = (JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { jobs: Array<{ error: number; read: { io_bytes: number }; write: { io_bytes: number } }> }).jobs[0]!;
  assert.equal(job.error, 0);
  assert.doesNotMatch(r.stderr, /verify|crc32c|bad magic|error/i);
  assert.ok(job.write.io_bytes > 0 && job.read.io_bytes > 0);
  // After the last restart every path comes back.
  await allPathsAlive(host!, 15_000);
  process.stderr.write(`# soak: cuts [${cuts.join(', ')}]; read ${(job.read.io_bytes / 2 ** 20).toFixed(0)} MiB, wrote ${(job.write.io_bytes / 2 ** 20).toFixed(0)} MiB, 0 errors\n`);
});
