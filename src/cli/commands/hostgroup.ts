/** tandem hostgroup create|list|show|delete|add|remove */
import type { Command } from 'commander';
import type { HostGroup } from '../../api/schemas.js';
import { CliContext, enc, type CliIo } from '../context.js';
import { formatFields, formatTable } from '../table.js';

export function registerHostGroupCommands(program: Command, io: CliIo): void {
  const hg = program.command('hostgroup').description('host groups (clusters that share mappings)');

  hg.command('create <name>').description('create a host group').option('--host <host...>', 'member host(s)')
    .action(async (name: string, opts: { host?: string[] }, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      const g = await ctx.api.request<HostGroup>('POST', '/v1/host-groups', { name, hosts: opts.host ?? [] });
      ctx.done(g, `host group ${g.name} created with ${g.hosts.length} host(s)`);
    });

  hg.command('list').description('list host groups').action(async (_o: object, cmd: Command) => {
    const ctx = new CliContext(io, cmd);
    const gs = await ctx.api.request<HostGroup[]>('GET', '/v1/host-groups');
    ctx.print(gs, () => (gs.length === 0 ? 'no host groups' : formatTable(['NAME', 'HOSTS'], gs.map((g) => [g.name, g.hosts.join(', ') || null]))));
  });

  hg.command('show <name>').description('show a host group').action(async (name: string, _o: object, cmd: Command) => {
    const ctx = new CliContext(io, cmd);
    const g = await ctx.api.request<HostGroup>('GET', `/v1/host-groups/${enc(name)}`);
    ctx.print(g, () => formatFields([['Name', g.name], ['Hosts', g.hosts.join(', ') || 'none'], ['Created', g.createdAt]]));
  });

  hg.command('delete <name>').description('delete a host group (refused while it has mappings unless --force)')
    .option('--force', 'remove its mappings too')
    .action(async (name: string, opts: { force?: boolean }, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      await ctx.api.request('DELETE', `/v1/host-groups/${enc(name)}${opts.force ? '?force=true' : ''}`);
      ctx.done({ deleted: name }, `host group ${name} deleted`);
    });

  hg.command('rename <name> <new-name>').description('rename a host group')
    .action(async (name: string, newName: string, _o: object, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      const g = await ctx.api.request<HostGroup>('PATCH', `/v1/host-groups/${enc(name)}`, { name: newName });
      ctx.done(g, `host group ${name} renamed to ${g.name}`);
    });

  hg.command('add <name> <host>').description('add a host to a group')
    .action(async (name: string, host: string, _o: object, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      const g = await ctx.api.request<HostGroup>('POST', `/v1/host-groups/${enc(name)}/members`, { host });
      ctx.done(g, `host group ${g.name}: ${g.hosts.join(', ')}`);
    });

  hg.command('remove <name> <host>').description('remove a host from a group')
    .action(async (name: string, host: string, _o: object, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      const g = await ctx.api.request<HostGroup>('DELETE', `/v1/host-groups/${enc(name)}/members/${enc(host)}`);
      ctx.done(g, `host group ${g.name}: ${g.hosts.join(', ') || 'no hosts'}`);
    });
}
