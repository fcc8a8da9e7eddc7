/** tandem controller list|show|enable|disable|failback|set-ipfailover (dual-controller arrays) */
import type { Command } from 'commander';
import type { Controller, ControllerPort, FailbackResult } from '../../api/schemas.js';
import { CliContext, enc, type CliIo } from '../context.js';
import { formatFields, formatTable } from '../table.js';

/** "127.0.0.1:3260 → A0", "127.0.0.1:3260 → A1 (link down)", "127.0.0.1:3260 → B0", "127.0.0.1:3260 → nobody (link down)". */
export function portText(p: ControllerPort): string {
  return `${p.address} → ${p.servedBy ?? 'nobody'}${p.link === 'down' ? ' (link down)' : ''}`;
}

function controllerTable(cs: Controller[]): string {
  if (cs.length === 0) return 'no controllers';
  return formatTable(['NAME', 'PID', 'STATE', 'PORTS', 'VOLUMES'],
    cs.map((c) => [c.name, c.pid, c.state, c.ports.map((p) => `${p.name} ${portText(p)}`).join(', '), c.volumesOwned.join(', ') || null]),
    { rightAlign: [1] });
}

function controllerDetail(c: Controller): string {
  const fields = formatFields([
    ['Name', c.name], ['State', c.state], ['PID', c.pid], ['IP failover', c.ipFailover], ['Lease epoch', c.leaseEpoch ?? null],
    ['Volumes owned', c.volumesOwned.join(', ') || 'none'],
  ]);
  return `${fields}\n\n${formatTable(['PORT', 'ADDRESS', 'LINK', 'SERVED BY'],
    c.ports.map((p) => [p.name, p.address, p.link, p.servedBy ?? 'nobody']))}`;
}

export function registerControllerCommands(program: Command, io: CliIo): void {
  const ctl = program.command('controller').description('the controllers of a dual-controller array: state, ports, volumes owned');

  ctl.command('list').description('list controllers').action(async (_o: object, cmd: Command) => {
    const ctx = new CliContext(io, cmd);
    const cs = await ctx.api.request<Controller[]>('GET', '/v1/controllers');
    ctx.print(cs, () => controllerTable(cs));
  });

  ctl.command('show <name>').description('show one controller and who serves its port addresses')
    .action(async (name: string, _o: object, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      const c = await ctx.api.request<Controller>('GET', `/v1/controllers/${enc(name)}`);
      ctx.print(c, () => controllerDetail(c));
    });

  ctl.command('enable <name>').description('bring a failed, fenced or disabled controller back (peer enable)')
    .action(async (name: string, _o: object, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      const c = await ctx.api.request<Controller>('POST', `/v1/controllers/${enc(name)}/enable`);
      ctx.done(c, `controller ${c.name} enabled: ${c.state}${c.pid !== null ? ` (pid ${c.pid})` : ''}`);
    });

  ctl.command('failback <name>').description('trespass every volume that prefers this controller back to it')
    .action(async (name: string, _o: object, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      const r = await ctx.api.request<FailbackResult>('POST', `/v1/controllers/${enc(name)}/failback`);
      ctx.done(r, r.moved.length === 0 ? `controller ${r.controller} already owns every volume that prefers it`
        : `failback to ${r.controller}: ${r.moved.map((m) => `${m.volume} (from ${m.from})`).join(', ')}`);
    });

  ctl.command('set-ipfailover <name> <mode>')
    .description('set what happens to a port address when its link goes down: local (other port of the same controller), remote (the whole controller fails over), both (local, then remote when the last port fails), none')
    .action(async (name: string, mode: string, _o: object, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      const c = await ctx.api.request<Controller>('PATCH', `/v1/controllers/${enc(name)}`, { ipFailover: mode });
      ctx.done(c, `controller ${c.name} ipFailover ${c.ipFailover}: ${c.ports.map((p) => `${p.name} ${portText(p)}`).join(', ')}`);
    });

  ctl.command('disable <name>').description('stop a controller; its peer takes over its volumes and addresses')
    .action(async (name: string, _o: object, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      const c = await ctx.api.request<Controller>('POST', `/v1/controllers/${enc(name)}/disable`);
      ctx.done(c, `controller ${c.name} disabled: ${c.state}`);
    });
}
