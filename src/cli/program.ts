/**
 * The `tandem` command line. `buildProgram(io)` builds the commander program with all
 * command groups (testable: inject out/err/env/fetch); `runCli(argv, io)` runs it and
 * returns the exit code (see lib/exit-codes.ts). The CLI speaks only HTTP to the API.
 */
import { Command, CommanderError } from 'commander';
import { registerUpCommand } from './commands/up.js';
import { registerVolumeCommands } from './commands/volume.js';
import { registerHostCommands } from './commands/host.js';
import { registerHostGroupCommands } from './commands/hostgroup.js';
import { registerMapCommands } from './commands/map.js';
import { registerStatusCommands } from './commands/status.js';
import { registerControllerCommands } from './commands/controller.js';
import { registerFaultCommands } from './commands/fault.js';
import { registerAlertCommands } from './commands/alerts.js';
import { registerClusterCommands } from './commands/cluster.js';
import type { CliIo } from './context.js';
import { CliError, ExitCode } from '../lib/exit-codes.js';

export type { CliIo } from './context.js';
export const DEFAULT_DATA_DIR = './tandem-data';

export function buildProgram(io: CliIo): Command {
  const program = new Command('tandem')
    .description('Tandem: a highly available iSCSI block storage array')
    .option('--data-dir <dir>', 'the array data directory (holds api.json and api-token)', DEFAULT_DATA_DIR)
    .option('--api <url>', 'management API URL (default: from <data-dir>/api.json, or TANDEM_API)')
    .option('--token <token>', 'API token (default: <data-dir>/api-token, or TANDEM_TOKEN)')
    .option('--json', 'machine-readable output')
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, '')),
      writeErr: (s) => io.err(s.replace(/\n$/, '')),
    });
  registerUpCommand(program);
  registerVolumeCommands(program, io);
  registerHostCommands(program, io);
  registerHostGroupCommands(program, io);
  registerMapCommands(program, io);
  registerStatusCommands(program, io);
  registerControllerCommands(program, io);
  registerFaultCommands(program, io);
  registerAlertCommands(program, io);
  registerClusterCommands(program, io);
  return program;
}

/** Runs one command line (without the node and script arguments); resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<ExitCode> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.Ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.Ok;
      return ExitCode.Usage; // commander has already printed the message and the usage
    }
    const exitCode = err instanceof CliError ? err.exitCode : ExitCode.Failure;
    const message = err instanceof Error ? err.message : String(err);
    // With --json, failures are machine-readable too (on stderr).
    io.err(argv.includes('--json') ? JSON.stringify({ error: { message, exitCode } }) : `error: ${message}`);
    return exitCode;
  }
}
