/** tandem session list | target show | events */
import type { Command } from 'commander';
import type { Event, Session, Target } from '../../api/schemas.js';
import { CliContext, intOption, type CliIo } from '../context.js';
import { CliError, ExitCode } from '../../lib/exit-codes.js';
import { SEVERITY_ORDER } from '../../lib/severity.js';
import { formatFields, formatTable } from '../table.js';


export function registerStatusCommands(program: Command, io: CliIo): void {
  program.command('session').description('iSCSI sessions').command('list').description('list logged-in sessions')
    .action(async (_o: object, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      const ss = await ctx.api.request<Session[]>('GET', '/v1/sessions');
      ctx.print(ss, () => (ss.length === 0 ? 'no sessions' : formatTable(['INITIATOR', 'ISID', 'TSIH', 'TYPE', 'CONNS', 'REMOTE', 'LOGIN'],
        ss.map((s) => [s.initiatorName, s.isid, s.tsih, s.type, s.connections.length, s.connections.map((c) => c.remote).join(', ') || null, s.loginAt]))));
    });

  program.command('target').description('the iSCSI target').command('show').description('show the target name and portals')
    .action(async (_o: object, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      const t = await ctx.api.request<Target>('GET', '/v1/target');
      ctx.print(t, () => `${formatFields([['Target', t.iqn], ['Array id', t.arrayId]])}\n\n` +
        (t.portals.length === 0 ? 'no portals' : formatTable(['PORTAL', 'TPGT'], t.portals.map((p) => [`${p.host}:${p.port}`, p.tpgt]))));
    });

  program.command('events').description('show the event log, newest first')
    .option('--limit <n>', 'how many events', '50')
    .option('--severity <level>', `at least this severe: ${SEVERITY_ORDER.join(', ')}`)
    .option('--since <time>', 'only events at or after this ISO 8601 time')
    .action(async (opts: { limit: string; severity?: string; since?: string }, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      const q = new URLSearchParams({ limit: String(intOption(opts.limit, '--limit', 1, 10000)) });
      if (opts.severity !== undefined) {
        if (!(SEVERITY_ORDER as readonly string[]).includes(opts.severity)) throw new CliError(ExitCode.Usage, `--severity must be one of ${SEVERITY_ORDER.join(', ')}`);
        q.set('severity', opts.severity);
      }
      if (opts.since !== undefined) q.set('since', opts.since);
      const es = await ctx.api.request<Event[]>('GET', `/v1/events?${q.toString()}`);
      ctx.print(es, () => (es.length === 0 ? 'no events' : formatTable(['TIME', 'SEVERITY', 'CATEGORY', 'EVENT'],
        es.map((e) => [e.time, e.severity, e.category, e.short]))));
    });
}
