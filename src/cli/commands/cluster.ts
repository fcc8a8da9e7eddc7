/** tandem cluster policy [show] | tandem cluster policy set --failback auto|manual ... */
import type { Command } from 'commander';
import { FAILOVER_MODE_NAMES, type ClusterPolicy, type PatchPolicyBody } from '../../api/schemas.js';
import { CliContext, intOption, type CliIo } from '../context.js';
import { CliError, ExitCode } from '../../lib/exit-codes.js';
import { formatFields } from '../table.js';

function policyText(p: ClusterPolicy): string {
  return formatFields([
    ['Failback', p.failback], ['Failback delay', `${p.failbackDelayMs} ms`], ['Non-owner ALUA state', p.nonOwnerState],
    ['ALUA trespass threshold', `${p.aluaTrespassThreshold} I/Os`], ['Heartbeat interval', `${p.heartbeatIntervalMs} ms`],
    ['Heartbeat timeout', `${p.heartbeatTimeoutMs} ms`],
    ['ALUA transition hold', `${p.aluaTransitionMs} ms`],
    ['Default failover mode', `${p.defaultFailoverMode} ${FAILOVER_MODE_NAMES[p.defaultFailoverMode] ?? ''}`.trim()],
  ]);
}

interface SetOpts {
  failback?: string; failbackDelay?: string; nonOwnerState?: string; aluaThreshold?: string;
  heartbeatInterval?: string; heartbeatTimeout?: string; defaultFailoverMode?: string; transitionHold?: string;
}

function patchOf(o: SetOpts): PatchPolicyBody {
  const p: PatchPolicyBody = {};
  if (o.failback !== undefined) {
    if (o.failback !== 'auto' && o.failback !== 'manual') throw new CliError(ExitCode.Usage, `--failback must be auto or manual (got '${o.failback}')`);
    p.failback = o.failback;
  }
  if (o.nonOwnerState !== undefined) {
    if (o.nonOwnerState !== 'active-non-optimized' && o.nonOwnerState !== 'standby') {
      throw new CliError(ExitCode.Usage, `--non-owner-state must be active-non-optimized or standby (got '${o.nonOwnerState}')`);
    }
    p.nonOwnerState = o.nonOwnerState;
  }
  if (o.failbackDelay !== undefined) p.failbackDelayMs = intOption(o.failbackDelay, '--failback-delay', 0, 86_400_000);
  if (o.aluaThreshold !== undefined) p.aluaTrespassThreshold = intOption(o.aluaThreshold, '--alua-threshold', 1, 1_000_000_000);
  if (o.heartbeatInterval !== undefined) p.heartbeatIntervalMs = intOption(o.heartbeatInterval, '--heartbeat-interval', 10, 60_000);
  if (o.heartbeatTimeout !== undefined) p.heartbeatTimeoutMs = intOption(o.heartbeatTimeout, '--heartbeat-timeout', 20, 600_000);
  if (o.transitionHold !== undefined) p.aluaTransitionMs = intOption(o.transitionHold, '--transition-hold', 0, 60_000);
  if (o.defaultFailoverMode !== undefined) p.defaultFailoverMode = intOption(o.defaultFailoverMode, '--default-failover-mode', 0, 4);
  if (Object.keys(p).length === 0) {
    throw new CliError(ExitCode.Usage, 'nothing to set: pass at least one of --failback, --failback-delay, --non-owner-state, --alua-threshold, ' +
      '--heartbeat-interval, --heartbeat-timeout, --default-failover-mode, --transition-hold');
  }
  return p;
}

export function registerClusterCommands(program: Command, io: CliIo): void {
  const policy = program.command('cluster').description('array-wide settings of a dual-controller array')
    .command('policy').description('the failover/failback policy');

  policy.command('show', { isDefault: true }).description('show the policy').action(async (_o: object, cmd: Command) => {
    const ctx = new CliContext(io, cmd);
    const p = await ctx.api.request<ClusterPolicy>('GET', '/v1/cluster/policy');
    ctx.print(p, () => policyText(p));
  });

  policy.command('set').description('change the policy')
    .option('--failback <mode>', 'auto: volumes return to their preferred owner when it rejoins; manual: they stay')
    .option('--failback-delay <ms>', 'wait this long after the preferred owner rejoins before failing back')
    .option('--non-owner-state <state>', 'ALUA state of a live non-owner: active-non-optimized or standby')
    .option('--alua-threshold <n>', 'failover mode 4: I/Os on the non-owner beyond the owner before an implicit trespass')
    .option('--heartbeat-interval <ms>', 'peer-link heartbeat interval')
    .option('--heartbeat-timeout <ms>', 'peer is suspect after this long without a heartbeat (at least twice the interval)')
    .option('--transition-hold <ms>', 'a drill: an ownership move reports the ALUA transitioning state at least this long and ALUA hosts get NOT READY 04h/0Ah meanwhile (0 = only while draining, commands held: hosts see nothing)')
    .option('--default-failover-mode <0..4>', 'failover mode of hosts without their own: 0 auto-trespass, 1 passive not ready, 2 DMP, 3 passive always ready, 4 ALUA')
    .action(async (opts: SetOpts, cmd: Command) => {
      const ctx = new CliContext(io, cmd);
      const p = await ctx.api.request<ClusterPolicy>('PATCH', '/v1/cluster/policy', patchOf(opts));
      ctx.print(p, () => `policy updated\n${policyText(p)}`);
    });
}
