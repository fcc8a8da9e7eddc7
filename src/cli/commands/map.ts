/** tandem map create|list|delete */
import type { Command } from 'commander';
import type { Mapping } from '../../api/schemas.js';
import { CliContext, enc, intOption, type CliIo } from '../context.js';
import { CliError, ExitCode } from '../../lib/exit-codes.js';
import { formatTable } from '../table.js';

export function mappingTargetText(m: Pick<Mapping, 'kind' | 'hostName' | 'hostGroupName'>): string {
  return m.kind === 'host' ? `host ${m.hostName}` : m.kind === 'hostGroup' ? `hostgroup ${m.hostGroupName}` : 'all loopback initiators';
}

export function registerMapCommands(program: Command, io: CliIo): void {
  const map = program.command('map').description('make volumes visible to hosts as LUNs');

  map.command('create <volume>').description('map a volume to a host, a host group, or every initiator on a loopback portal')
    .option('--host <host>', 'a host')
    .option('--hostgroup <group>', 'a host group')
    .option('--all-loopback', 'every initiator that logs in on a loopback portal')
    .option('--lun <n>', 'LUN number 0..16383 (default: lowest free)')
    .action(async (volume: string, opts: { host?: string; hostgroup?: string; allLoopback?: boolean; lun?: string }, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      const n = [opts.host, opts.hostgroup, opts.allLoopback].filter((x) => x !== undefined).length;
      if (n !== 1) throw new CliError(ExitCode.Usage, 'give exactly one of --host H, --hostgroup G or --all-loopback');
      const body = {
        volume,
        ...(opts.host !== undefined ? { host: opts.host } : {}),
        ...(opts.hostgroup !== undefined ? { hostGroup: opts.hostgroup } : {}),
        ...(opts.allLoopback ? { allLoopback: true } : {}),
        ...(opts.lun !== undefined ? { lun: intOption(opts.lun, '--lun', 0, 16383) } : {}),
      };
      const m = await ctx.api.request<Mapping>('POST', '/v1/mappings', body);
      ctx.done(m, `mapping ${m.id}: volume ${m.volumeName} → ${mappingTargetText(m)} as LUN ${m.lun}`);
    });

  map.command('list').description('list mappings').option('--volume <volume>', 'only this volume')
    .action(async (opts: { volume?: string }, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      const ms = await ctx.api.request<Mapping[]>('GET', `/v1/mappings${opts.volume !== undefined ? `?volume=${enc(opts.volume)}` : ''}`);
      ctx.print(ms, () => (ms.length === 0 ? 'no mappings'
        : formatTable(['ID', 'VOLUME', 'LUN', 'TARGET'], ms.map((m) => [m.id, m.volumeName, m.lun, mappingTargetText(m)]), { rightAlign: [0, 2] })));
    });

  map.command('delete <id>').description('remove a mapping (see "map list" for ids)')
    .action(async (id: string, _o: object, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      const n = intOption(id, 'mapping id', 1, Number.MAX_SAFE_INTEGER);
      await ctx.api.request('DELETE', `/v1/mappings/${n}`);
      ctx.done({ deleted: n }, `mapping ${n} deleted`);
    });
}
