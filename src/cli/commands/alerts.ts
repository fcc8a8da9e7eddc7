/** tandem alerts [--all] | tandem alerts clear ID */
import type { Command } from 'commander';
import type { Alert } from '../../api/schemas.js';
import { CliContext, intOption, type CliIo } from '../context.js';
import { formatTable } from '../table.js';

function alertTable(as: Alert[], all: boolean): string {
  if (as.length === 0) return all ? 'no alerts' : 'no open alerts';
  const headers = ['ID', 'RAISED', 'SEVERITY', ...(all ? ['CLEARED'] : []), 'ALERT', 'ACTION'];
  return formatTable(headers, as.map((a) => [a.id, a.raisedAt, a.severity, ...(all ? [a.clearedAt ?? 'open'] : []), a.short, a.action]),
    { rightAlign: [0] });
}

export function registerAlertCommands(program: Command, io: CliIo): void {
  const alerts = program.command('alerts').description('alerts that need an operator (open ones by default)');

  alerts.command('list', { isDefault: true }).description('list open alerts (--all: cleared ones too)')
    .option('--all', 'include cleared alerts')
    .action(async (opts: { all?: boolean }, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      const all = opts.all === true;
      const as = await ctx.api.request<Alert[]>('GET', `/v1/alerts${all ? '' : '?open=true'}`);
      ctx.print(as, () => alertTable(as, all));
    });

  alerts.command('clear <id>').description('clear (acknowledge) an alert')
    .action(async (id: string, _o: object, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      const a = await ctx.api.request<Alert>('POST', `/v1/alerts/${intOption(id, 'alert id', 1, Number.MAX_SAFE_INTEGER)}/clear`);
      ctx.done(a, `alert ${a.id} cleared: ${a.short}`);
    });
}
