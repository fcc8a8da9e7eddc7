// Starts a real Tandem array (the built CLI's `up`) as a child process on a temporary
// data directory with ephemeral ports, for integration tests with real initiators.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_TOKEN_FILE } from '../../src/lib/api-contract.js';
import { freePort } from './ports.js';
import { run, type RunResult } from './run.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const cliPath = join(repoRoot, 'dist/src/cli/main.js');

export interface RunningArray {
  dataDir: string;
  apiUrl: string;
  token: string;
  portal: string; // host:port
  /** Every portal, the first being `portal`: A0, A1, B0, B1 with two controllers; with one, a second on 127.0.0.2 when asked for. */
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

export interface StartArrayOptions {
  dataDir?: string;
  extraArgs?: string[];
  keepDataDir?: boolean;
  /**
   * 1: the single-controller array (`--controllers 1`). Default: `tandem up`'s own
   * default, controllers A and B, with A0 on 127.0.0.1:PORT and A1, B0, B1 counted up
   * from it (127.0.0.2..4:PORT); `portals` lists all four. Ignored when extraArgs name
   * the ports themselves (`--portal A0=…`): then `portals` are those, A0 first.
   */
  controllers?: 1 | 2;
  /** A second portal 127.0.0.2:PORT, for `controllers: 1` (two controllers have four ports anyway). */
  secondPortal?: boolean;
  /** The configuration (e.g. `--config FILE` in extraArgs) sets the addresses: pass no --portal, report these. */
  configuredPortals?: string[];
}

export async function startArray(opts: StartArrayOptions = {}): Promise<RunningArray> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'tandem-it-'));
  const apiPort = await freePort();
  const extra = opts.extraArgs ?? [];
  const namedInExtra = extra.flatMap((a, i) => (extra[i - 1] === '--portal' && /^[A-Za-z][A-Za-z0-9]*=/.test(a) ? [a] : []));
  if (opts.secondPortal && opts.controllers !== 1) throw new Error('startArray: secondPortal is for controllers: 1 (two controllers already have four ports)');
  let args: string[];
  let portals: string[];
  if (opts.configuredPortals) {
    args = [];
    portals = opts.configuredPortals;
  } else if (namedInExtra.length > 0) {
    args = [];
    portals = ['A0', 'A1', 'B0', 'B1'].flatMap((n) => namedInExtra.filter((a) => a.startsWith(`${n}=`)).map((a) => a.slice(n.length + 1)));
  } else {
    const portalPort = await freePort();
    const first = `127.0.0.1:${portalPort}`;
    if (opts.controllers === 1) {
      portals = opts.secondPortal ? [first, `127.0.0.2:${portalPort}`] : [first];
      args = ['--controllers', '1', ...portals.flatMap((p) => ['--portal', p])];
    } else {
      portals = [1, 2, 3, 4].map((i) => `127.0.0.${i}:${portalPort}`);
      args = ['--portal', first];
    }
  }
  const portal = portals[0]!;
  const child = spawn(process.execPath, [cliPath, 'up', '--data-dir', dataDir, '--api', `127.0.0.1:${apiPort}`, ...args, ...extra], {
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
  const token = readFileSync(join(dataDir, API_TOKEN_FILE), 'utf8').trim();
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
        body: body !== undefined ? JSON.stringify(body) : null,
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
