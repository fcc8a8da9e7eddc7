/** tandem fault kill-controller|hang-controller|port-down|port-up|peer-link-cut|peer-link-restore|backend-fail|backend-repair */
import type { Command } from 'commander';
import type { FaultBody, FaultResult } from '../../api/schemas.js';
import { CliContext, type CliIo } from '../context.js';

export function registerFaultCommands(program: Command, io: CliIo): void {
  const fault = program.command('fault').description('inject a fault into a dual-controller array (failover drills and tests)');

  const send = async (cmd: Command, body: FaultBody): Promise<void> => {
    const ctx = new CliContext(io, cmd);
    const r = await ctx.api.request<FaultResult>('POST', '/v1/faults', body);
    ctx.done(r, r.message);
  };

  fault.command('kill-controller <controller>').description('SIGKILL a controller process (its peer takes over)')
    .action(async (controller: string, _o: object, cmd: Command) => send(cmd, { kind: 'kill-controller', controller }));
  fault.command('hang-controller <controller>').description('SIGSTOP a controller process: it stops answering; its peer detects the lost heartbeat, has it fenced and takes over')
    .action(async (controller: string, _o: object, cmd: Command) => send(cmd, { kind: 'hang-controller', controller }));
  for (const kind of ['port-down', 'port-up'] as const) {
    fault.command(`${kind} <port>`).description(kind === 'port-down' ? 'take a port\'s link down (e.g. A0)' : 'bring a port\'s link back up')
      .action(async (port: string, _o: object, cmd: Command) => send(cmd, { kind, port }));
  }
  for (const kind of ['peer-link-cut', 'peer-link-restore'] as const) {
    fault.command(kind).description(kind === 'peer-link-cut' ? 'cut the link between the controllers (both stay alive)' : 'restore the peer link')
      .action(async (_o: object, cmd: Command) => send(cmd, { kind }));
  }
  for (const kind of ['backend-fail', 'backend-repair'] as const) {
    fault.command(`${kind} <controller>`)
      .description(kind === 'backend-fail' ? 'make a controller lose access to the back end (its volumes trespass)' : 'restore back-end access (volumes fail back)')
      .option('--volume <name>', 'only this volume')
      .action(async (controller: string, opts: { volume?: string }, cmd: Command) =>
        send(cmd, { kind, controller, ...(opts.volume !== undefined ? { volume: opts.volume } : {}) }));
  }
}
