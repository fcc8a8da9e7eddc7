/**
 * `tandem up`: runs the array in the foreground until SIGINT/SIGTERM. The only CLI
 * command that is not an API client: it starts the daemon (loaded lazily, so the other
 * commands never load the core).
 */
import type { Command } from 'commander';
import { TandemError } from '../../lib/errors.js';
import { CliError, exitCodeForHttpStatus } from '../../lib/exit-codes.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description('run the array in the foreground (Ctrl-C logs initiators out and stops it)')
    .option('--config <file>', 'JSON configuration file (settings: dataDir, api, controllers, ports, portals, ipFailover, heartbeatIntervalMs, heartbeatTimeoutMs, leaseMs, policy, nopIntervalMs, nopTimeoutMs, logLevel)')
    .option('--portal <addr>', 'iSCSI port address, repeatable: NAME=HOST:PORT sets one port (A0, A1, B0, B1); plain HOST:PORT values fill A0, A1, B0, B1 in order, the rest count up from the first loopback address (default A0 127.0.0.1:3260 … B1 127.0.0.4:3260; with --controllers 1: the portals, default 127.0.0.1:3260)', collect, [])
    .option('--controllers <n>', 'number of controllers: 2 (default: controllers A and B, ports A0 A1 B0 B1) or 1 (single-controller array)')
    .option('--log-level <level>', 'log level: fatal, error, warn, info, debug, trace')
    .action(async (opts: { config?: string; portal: string[]; logLevel?: string; controllers?: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as { dataDir?: string; api?: string };
      const dataDirGiven = program.getOptionValueSource('dataDir') !== 'default';
      const { runUp } = await import('../../daemon/up.js');
      try {
        await runUp({
          ...(dataDirGiven && globals.dataDir ? { dataDir: globals.dataDir } : {}),
          ...(opts.config ? { config: opts.config } : {}),
          ...(globals.api ? { api: globals.api } : {}),
          portal: opts.portal,
          ...(opts.logLevel ? { logLevel: opts.logLevel } : {}),
          ...(opts.controllers !== undefined ? { controllers: opts.controllers } : {}),
        });
      } catch (err) {
        if (err instanceof TandemError) throw new CliError(exitCodeForHttpStatus(err.httpStatus), err.message);
        throw err;
      }
    });
}
