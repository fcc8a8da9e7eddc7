/**
 * The `tandem-host` command line:
 *   tandem-host up [--config FILE]          run the agent (foreground; SIGINT/SIGTERM stop it)
 *   tandem-host paths [--json]              devices and paths, powermt display dev=all style
 *   tandem-host rescan [--json]             discover and log in to new targets/LUNs now
 *   tandem-host path remove ID [--force]    remove one path (refused for the last path or one with I/O)
 * Client commands find the agent through <data-dir>/api.json; the data dir comes from
 * --data-dir, else the config file's "dataDir" (--config, default ./tandem-host.json
 * when it exists), else $TANDEM_HOST_DATA_DIR, else ~/.tandem-host.
 * Exit codes as `tandem`'s (lib/exit-codes.ts): 0 ok, 1 failure, 2 usage, 3 not found, 4 conflict, 5 unauthorized.
 */
import { existsSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { CliError, ExitCode } from '../../lib/exit-codes.js';
import { TandemError } from '../../lib/errors.js';
import { formatStatus } from '../../multipath/status.js';
import type { DeviceView, RescanResult } from '../agent.js';
import { DEFAULT_DATA_DIR, loadHostConfig } from '../config.js';
import { hostAgentClient } from './client.js';

export interface HostCliIo {
  out(s: string): void;
  err(s: string): void;
  env: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  /** Runs the agent until a stop signal; injected so tests can replace it. */
  up?: (configFile: string, dataDir: string | undefined, io: HostCliIo) => Promise<void>;
}

export const DEFAULT_CONFIG_FILE = './tandem-host.json';

interface GlobalOpts {
  config?: string;
  dataDir?: string;
  json?: boolean;
}

async function resolveDataDir(g: GlobalOpts, env: NodeJS.ProcessEnv): Promise<string> {
  if (g.dataDir) return g.dataDir;
  const file = g.config ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  if (file) return (await loadHostConfig(file)).dataDir;
  return env.TANDEM_HOST_DATA_DIR ?? DEFAULT_DATA_DIR;
}

export function renderDevices(devs: DeviceView[]): string {
  if (devs.length === 0) return 'no devices (check the agent log, or run: tandem-host rescan)';
  return devs.map((d) => `${formatStatus(d)}\nNBD exports: ${d.exports.join(', ')}`).join('\n\n');
}

export function buildHostProgram(io: HostCliIo): Command {
  const program = new Command('tandem-host')
    .description('Tandem host agent: iSCSI initiator + ALUA multipath + NBD exports')
    .option('--config <file>', `agent configuration (JSON; default ${DEFAULT_CONFIG_FILE})`)
    .option('--data-dir <dir>', "the agent's data directory (api.json, api-token, devices.json)")
    .option('--json', 'machine-readable output')
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')) });
  const client = async () => hostAgentClient(await resolveDataDir(program.opts<GlobalOpts>(), io.env), io.fetch ?? fetch);

  program.command('up').description('run the agent in the foreground').action(async () => {
    const g = program.opts<GlobalOpts>();
    if (!io.up) throw new CliError(ExitCode.Failure, 'up is not available here');
    await io.up(g.config ?? DEFAULT_CONFIG_FILE, g.dataDir, io);
  });

  program.command('paths').description('show multipath devices and their paths').option('--json', 'machine-readable output').action(async (o: { json?: boolean }) => {
    const devs = await (await client()).request<DeviceView[]>('GET', '/v1/devices');
    io.out(o.json || program.opts<GlobalOpts>().json ? JSON.stringify(devs, null, 2) : renderDevices(devs));
  });

  program.command('rescan').description('discover and log in to new targets and LUNs').option('--json', 'machine-readable output').action(async (o: { json?: boolean }) => {
    const r = await (await client()).request<RescanResult>('POST', '/v1/rescan');
    if (o.json || program.opts<GlobalOpts>().json) return io.out(JSON.stringify(r, null, 2));
    io.out(`new devices: ${r.newDevices.join(', ') || 'none'}; new paths: ${r.newPaths.length}`);
    for (const p of r.newPaths) io.out(`  + ${p}`);
    for (const e of r.errors) io.err(`warning: ${e}`);
  });

  const path = program.command('path').description('act on one path');
  path.command('remove <id>').description('remove a path (refused for the last path or a path carrying I/O unless --force)')
    .option('--force', 'remove even the last path or a busy one')
    .action(async (id: string, o: { force?: boolean }) => {
      await (await client()).request('DELETE', `/v1/paths/${encodeURIComponent(id)}${o.force ? '?force=true' : ''}`);
      io.out(`removed path ${id}`);
    });
  return program;
}

export async function runHostCli(argv: string[], io: HostCliIo): Promise<ExitCode> {
  const program = buildHostProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.Ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.Ok;
      return ExitCode.Usage;
    }
    const exitCode = err instanceof CliError ? err.exitCode : err instanceof TandemError && err.code === 'VALIDATION' ? ExitCode.Usage : ExitCode.Failure;
    const message = err instanceof Error ? err.message : String(err);
    io.err(argv.includes('--json') ? JSON.stringify({ error: { message, exitCode } }) : `error: ${message}`);
    return exitCode;
  }
}
