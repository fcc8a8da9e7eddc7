/** tandem host create|list|show|delete|add-initiator|remove-initiator|set-chap|clear-chap|set-failover-mode */
import type { Command } from 'commander';
import { FAILOVER_MODE_NAMES, type ChapBody, type Host } from '../../api/schemas.js';
import { CliContext, enc, type CliIo } from '../context.js';
import { CliError, ExitCode } from '../../lib/exit-codes.js';
import { formatFields, formatTable } from '../table.js';

interface ChapOpts { chapUser?: string; chapSecret?: string; mutualUser?: string; mutualSecret?: string }

function chapBody(o: ChapOpts, required: boolean): ChapBody | undefined {
  const any = [o.chapUser, o.chapSecret, o.mutualUser, o.mutualSecret].some((x) => x !== undefined);
  if (!any && !required) return undefined;
  if (o.chapUser === undefined || o.chapSecret === undefined) {
    throw new CliError(ExitCode.Usage, 'CHAP needs both --chap-user and --chap-secret');
  }
  if ((o.mutualUser === undefined) !== (o.mutualSecret === undefined)) {
    throw new CliError(ExitCode.Usage, 'mutual CHAP needs both --mutual-user and --mutual-secret');
  }
  return {
    user: o.chapUser, secret: o.chapSecret,
    ...(o.mutualUser !== undefined && o.mutualSecret !== undefined ? { mutualUser: o.mutualUser, mutualSecret: o.mutualSecret } : {}),
  };
}

function chapText(h: Host): string {
  return h.chap === null ? 'none' : h.chap.mutualUser !== null ? `${h.chap.user} (mutual: ${h.chap.mutualUser})` : h.chap.user;
}

const MODES_TEXT = Object.entries(FAILOVER_MODE_NAMES).map(([k, v]) => `${k} ${v}`).join(', ');

/** "4 ALUA", or "default" when the host follows the array's default mode. */
export function failoverText(mode: number | null): string {
  return mode === null ? 'default' : `${mode} ${FAILOVER_MODE_NAMES[mode] ?? ''}`.trim();
}

function failoverArg(text: string): number | null {
  if (text === 'default') return null;
  if (!/^[0-4]$/.test(text)) {
    throw new CliError(ExitCode.Usage, `failover mode '${text}' is not valid: use ${MODES_TEXT}, or 'default' (the array's default mode)`);
  }
  return Number(text);
}

function withChapOptions(c: Command): Command {
  return c.option('--chap-user <user>', 'CHAP user name the host logs in with')
    .option('--chap-secret <secret>', 'CHAP secret, 12-255 characters')
    .option('--mutual-user <user>', 'user name the array answers with (mutual CHAP)')
    .option('--mutual-secret <secret>', 'secret the array answers with (mutual CHAP; must differ)');
}

export function registerHostCommands(program: Command, io: CliIo): void {
  const host = program.command('host').description('hosts, their initiator names and CHAP credentials');

  withChapOptions(host.command('create <name>').description('create a host')
    .option('--initiator <iqn...>', 'initiator name(s) of the host (iqn./eui./naa.)'))
    .action(async (name: string, opts: ChapOpts & { initiator?: string[] }, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      const chap = chapBody(opts, false);
      const h = await ctx.api.request<Host>('POST', '/v1/hosts', { name, initiators: opts.initiator ?? [], ...(chap ? { chap } : {}) });
      ctx.done(h, `host ${h.name} created with ${h.initiators.length} initiator(s)${h.chap ? ', CHAP on' : ''}`);
    });

  host.command('list').description('list hosts').action(async (_o: object, cmd: Command) => {
    const ctx = new CliContext(io, cmd);
    const hs = await ctx.api.request<Host[]>('GET', '/v1/hosts');
    ctx.print(hs, () => (hs.length === 0 ? 'no hosts' : formatTable(['NAME', 'INITIATORS', 'CHAP', 'GROUPS', 'FAILOVER'],
      hs.map((h) => [h.name, h.initiators.join(', ') || null, chapText(h), h.hostGroups.join(', ') || null, failoverText(h.failoverMode)]))));
  });

  host.command('show <name>').description('show a host').action(async (name: string, _o: object, cmd: Command) => {
    const ctx = new CliContext(io, cmd);
    const h = await ctx.api.request<Host>('GET', `/v1/hosts/${enc(name)}`);
    ctx.print(h, () => formatFields([
      ['Name', h.name], ['Initiators', h.initiators.join('\n' + ' '.repeat(12)) || 'none'], ['CHAP', chapText(h)],
      ['Host groups', h.hostGroups.join(', ') || 'none'], ['Failover mode', failoverText(h.failoverMode)], ['Created', h.createdAt],
    ]));
  });

  host.command('delete <name>').description('delete a host (refused while it has mappings unless --force)')
    .option('--force', 'remove its mappings too')
    .action(async (name: string, opts: { force?: boolean }, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      await ctx.api.request('DELETE', `/v1/hosts/${enc(name)}${opts.force ? '?force=true' : ''}`);
      ctx.done({ deleted: name }, `host ${name} deleted`);
    });

  host.command('rename <name> <new-name>').description('rename a host')
    .action(async (name: string, newName: string, _o: object, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      const h = await ctx.api.request<Host>('PATCH', `/v1/hosts/${enc(name)}`, { name: newName });
      ctx.done(h, `host ${name} renamed to ${h.name}`);
    });

  host.command('set-failover-mode <name> <mode>')
    .description(`how the array treats this host's I/O on the controller that does not own a volume: ${MODES_TEXT}, or default`)
    .action(async (name: string, mode: string, _o: object, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      const h = await ctx.api.request<Host>('PATCH', `/v1/hosts/${enc(name)}`, { failoverMode: failoverArg(mode) });
      ctx.done(h, `host ${h.name} failover mode: ${h.failoverMode === null ? "default (the array's default mode)" : failoverText(h.failoverMode)}`);
    });

  host.command('add-initiator <name> <initiator>').description('add an initiator name to a host')
    .action(async (name: string, initiator: string, _o: object, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      const h = await ctx.api.request<Host>('POST', `/v1/hosts/${enc(name)}/initiators`, { initiator });
      ctx.done(h, `host ${h.name} initiators: ${h.initiators.join(', ')}`);
    });

  host.command('remove-initiator <name> <initiator>').description('remove an initiator name from a host')
    .action(async (name: string, initiator: string, _o: object, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      const h = await ctx.api.request<Host>('DELETE', `/v1/hosts/${enc(name)}/initiators/${enc(initiator)}`);
      ctx.done(h, `host ${h.name} initiators: ${h.initiators.join(', ') || 'none'}`);
    });

  withChapOptions(host.command('set-chap <name>').description('set CHAP credentials (used from the next login)'))
    .action(async (name: string, opts: ChapOpts, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      const h = await ctx.api.request<Host>('PUT', `/v1/hosts/${enc(name)}/chap`, chapBody(opts, true));
      ctx.done(h, `CHAP set on host ${h.name}: ${chapText(h)}`);
    });

  host.command('clear-chap <name>').description('remove CHAP credentials')
    .action(async (name: string, _o: object, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      const h = await ctx.api.request<Host>('DELETE', `/v1/hosts/${enc(name)}/chap`);
      ctx.done(h, `CHAP cleared on host ${h.name}`);
    });
}
