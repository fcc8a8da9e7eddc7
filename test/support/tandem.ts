// Starts a real Tandem array (the built CLI's `up`) as a child process on a temporary
// data directory with ephemeral ports, for integration tests with real initiators.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';
import { run, type RunResult } from './run.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const cliPath = join(repoRoot, 'dist/src/cli/main.js');

export interface RunningArray {
  dataDir: string;
  apiUrl: string;
  token: string;
  portal: string; // host:port
  /** Every portal, the first being `portal` (a second one on 127.0.0.2 when asked for). */
  portals: string[];
  iqn: string;
  child: ChildProcess;
  output: () => string;
  /** URL of LUN `lun` for libiscsi tools and qemu. */
  url(lun?: number): string;
  /** qemu --image-opts string for LUN `lun` logging in as `initiator` (qemu's URL form cannot name the initiator). */
  qemuOpts(lun: number, initiator: string): string;
  /** Run the tandem CLI against this array. */
  cli(args: string[]): Promise<RunResult>;
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startArray(opts: { dataDir?: string; extraArgs?: string[]; keepDataDir?: boolean; secondPortal?: boolean } = {}): Promise<RunningArray> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'tandem-it-'));
  const apiPort = await freePort();
  const portalPort = await freePort();
  const portal = `127.0.0.1:${portalPort}`;
  const portals = opts.secondPortal ? [portal, `127.0.0.2:${portalPort}`] : [portal];
  const child = spawn(process.execPath, [cliPath, 'up', '--data-dir', dataDir, '--api', `127.0.0.1:${apiPort}`, ...portals.flatMap((p) => ['--portal', p]), ...(opts.extraArgs ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TANDEM_LOG_LEVEL: process.env.TANDEM_LOG_LEVEL ?? 'warn' },
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tandem up exited with ${child.exitCode}:\n${out}`);
    try {
      const r = await fetch(`${apiUrl}/v1/health`);
      if (r.ok && /ready|listening|portal/i.test(out)) break;
    } catch { /* not yet */ }
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`tandem up did not become ready:\n${out}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
  const token = readFileSync(join(dataDir, 'api-token'), 'utf8').trim();
  const target = (await (await fetch(`${apiUrl}/v1/target`, { headers: { authorization: `Bearer ${token}` } })).json()) as { iqn: string };
  const arr: RunningArray = {
    dataDir, apiUrl, token, portal, portals, iqn: target.iqn, child,
    output: () => out,
    url: (lun = 0) => `iscsi://${portal}/${target.iqn}/${lun}`,
    qemuOpts: (lun, initiator) => `driver=iscsi,transport=tcp,portal=${portal},target=${target.iqn},lun=${lun},initiator-name=${initiator}`,
    cli: (args) => run(process.execPath, [cliPath, '--data-dir', dataDir, ...args]),
    async api(method, path, body) {
      const r = await fetch(`${apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      const text = await r.text();
      return { status: r.status, body: (text ? JSON.parse(text) : undefined) as never };
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      const done = new Promise<number | null>((res) => child.once('exit', (c) => res(c)));
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await done;
      clearTimeout(timer);
      if (!opts.keepDataDir && !opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
  return arr;
}
