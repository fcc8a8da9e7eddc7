/** tandem volume create|list|show|resize|delete|protect|unprotect|trespass|move|auto-trespass */
import type { Command } from 'commander';
import type { TrespassResult, Volume } from '../../api/schemas.js';
import { CliContext, enc, sizeOption, type CliIo } from '../context.js';
import { CliError, ExitCode } from '../../lib/exit-codes.js';
import { formatFields, formatTable } from '../table.js';
import { formatSize } from '../units.js';
import { mappingTargetText } from './map.js';

/** "B", "B (moving)" while the ownership change is under way. */
function ownerText(v: Volume): string | null {
  if (v.currentOwner === undefined) return null;
  return v.ownershipTransitioning ? `${v.currentOwner} (moving)` : v.currentOwner;
}

function volumeTable(vs: Volume[]): string {
  if (vs.length === 0) return 'no volumes';
  // Owner columns only on a dual-controller array (the API sends owners only there).
  const owners = vs.some((v) => v.currentOwner !== undefined);
  return formatTable(['NAME', 'SIZE', 'BLOCK', 'ALLOCATED', 'PROTECTED', 'MAPPINGS', ...(owners ? ['OWNER', 'PREFERRED'] : []), 'NAA'],
    vs.map((v) => [v.name, formatSize(v.sizeBytes), v.blockSize, v.allocatedBytes === null ? null : formatSize(v.allocatedBytes),
      v.writeProtected, v.mappings.length, ...(owners ? [ownerText(v), v.preferredOwner] : []), v.naa]),
    { rightAlign: [1, 2, 3, 5] });
}

function volumeDetail(v: Volume): string {
  const fields = formatFields([
    ['Name', v.name], ['Id', v.id], ['Size', `${formatSize(v.sizeBytes)} (${v.sizeBytes} bytes)`], ['Block size', `${v.blockSize} bytes`],
    ['Allocated', v.allocatedBytes === null ? null : formatSize(v.allocatedBytes)], ['Thin', v.thin], ['Backing', v.path ? `${v.backing} ${v.path}` : v.backing],
    ['NAA', v.naa], ['Serial', v.serial], ['Write-protected', v.writeProtected], ['Created', v.createdAt],
    ...(v.currentOwner !== undefined ? [
      ['Current owner', ownerText(v)], ['Preferred owner', v.preferredOwner], ['Auto-trespass', v.autoTrespass],
    ] as Array<[string, string | boolean | null | undefined]> : []),
  ]);
  if (v.mappings.length === 0) return `${fields}\n\nnot mapped`;
  return `${fields}\n\n${formatTable(['MAPPING', 'LUN', 'TARGET'], v.mappings.map((m) => [m.id, m.lun, mappingTargetText(m)]))}`;
}

export function registerVolumeCommands(program: Command, io: CliIo): void {
  const vol = program.command('volume').description('create, resize, protect and delete volumes');

  vol.command('create <name>').description('create a volume')
    .requiredOption('--size <size>', 'size, e.g. 10G, 512M, 1T (binary units)')
    .option('--block-size <bytes>', 'logical block size: 512 or 4096', '512')
    .option('--owner <controller>', 'dual-controller arrays: the preferred owner (default: the less loaded controller online; one that is not online is refused)')
    .action(async (name: string, opts: { size: string; blockSize: string; owner?: string }, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      const blockSize = Number(opts.blockSize);
      if (blockSize !== 512 && blockSize !== 4096) throw new CliError(ExitCode.Usage, `--block-size must be 512 or 4096 (got '${opts.blockSize}')`);
      const v = await ctx.api.request<Volume>('POST', '/v1/volumes',
        { name, sizeBytes: sizeOption(opts.size), blockSize, ...(opts.owner !== undefined ? { owner: opts.owner } : {}) });
      ctx.done(v, `volume ${v.name} created: ${formatSize(v.sizeBytes)}, ${v.blockSize}-byte blocks, NAA ${v.naa}` +
        (v.preferredOwner !== undefined ? `, owner ${v.preferredOwner}` : ''));
    });

  vol.command('list').description('list volumes').action(async (_opts: object, cmd: Command) => {
    const ctx = new CliContext(io, cmd);
    const vs = await ctx.api.request<Volume[]>('GET', '/v1/volumes');
    ctx.print(vs, () => volumeTable(vs));
  });

  vol.command('show <name>').description('show one volume and its mappings').action(async (name: string, _o: object, cmd: Command) => {
    const ctx = new CliContext(io, cmd);
    const v = await ctx.api.request<Volume>('GET', `/v1/volumes/${enc(name)}`);
    ctx.print(v, () => volumeDetail(v));
  });

  vol.command('resize <name>').description('grow a volume (shrinking needs --force and destroys data beyond the new end)')
    .requiredOption('--size <size>', 'new size, e.g. 20G')
    .option('--force', 'allow shrinking')
    .action(async (name: string, opts: { size: string; force?: boolean }, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      const v = await ctx.api.request<Volume>('PATCH', `/v1/volumes/${enc(name)}`, { sizeBytes: sizeOption(opts.size), ...(opts.force ? { force: true } : {}) });
      ctx.done(v, `volume ${v.name} is now ${formatSize(v.sizeBytes)}`);
    });

  vol.command('delete <name>').description('delete a volume (refused while mapped unless --force)')
    .option('--force', 'remove its mappings first')
    .action(async (name: string, opts: { force?: boolean }, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      await ctx.api.request('DELETE', `/v1/volumes/${enc(name)}${opts.force ? '?force=true' : ''}`);
      ctx.done({ deleted: name }, `volume ${name} deleted`);
    });

  vol.command('trespass <name>').description('change the controller serving a volume now (explicit failover)')
    .option('--to <controller>', 'the controller to trespass to (default: the other one)')
    .action(async (name: string, opts: { to?: string }, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      const r = await ctx.api.request<TrespassResult>('POST', `/v1/volumes/${enc(name)}/trespass`, opts.to !== undefined ? { to: opts.to } : {});
      ctx.done(r, r.from === r.to ? `volume ${r.volume} is already owned by ${r.to}` : `volume ${r.volume} trespassed from ${r.from} to ${r.to}`);
    });

  vol.command('move <name>').description('change the preferred owner of a volume (it moves there and returns there after failures)')
    .requiredOption('--to <controller>', 'the new preferred owner')
    .action(async (name: string, opts: { to: string }, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      const v = await ctx.api.request<Volume>('POST', `/v1/volumes/${enc(name)}/move`, { to: opts.to });
      ctx.done(v, `volume ${v.name} now prefers controller ${v.preferredOwner ?? opts.to} (current owner ${ownerText(v) ?? '-'})`);
    });

  vol.command('auto-trespass <name> <on|off>').description('failover mode 0 hosts: I/O on the non-owner trespasses the volume (on) or is refused (off)')
    .action(async (name: string, state: string, _o: object, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      if (state !== 'on' && state !== 'off') throw new CliError(ExitCode.Usage, `auto-trespass takes on or off (got '${state}')`);
      const v = await ctx.api.request<Volume>('PATCH', `/v1/volumes/${enc(name)}`, { autoTrespass: state === 'on' });
      ctx.done(v, `volume ${v.name} auto-trespass ${state}`);
    });

  for (const [verb, wp] of [['protect', true], ['unprotect', false]] as const) {
    vol.command(`${verb} <name>`).description(wp ? 'make a volume read-only to hosts' : 'make a volume writable again')
      .action(async (name: string, _o: object, cmd: Command) => {
        const ctx = new CliContext(io, cmd);
        const v = await ctx.api.request<Volume>('PATCH', `/v1/volumes/${enc(name)}`, { writeProtected: wp });
        ctx.done(v, `volume ${v.name} is now ${wp ? 'write-protected' : 'writable'}`);
      });
  }
}
