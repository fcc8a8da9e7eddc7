/**
 * The path checker (multipath-tools' "tur" checker, in spirit): one check of one path.
 * A path whose identity was never confirmed is probed first (INQUIRY, VPD 83h/80h) and
 * joins only if it leads to the same LU; then TEST UNIT READY decides the CheckResult
 * fed to the path's state machine (path-state.ts). The caller schedules checks on the
 * injected clock (every checkerIntervalMs, plus the state machine's check-soon).
 */
import type { Logger } from '../lib/logger.js';
import type { MpPath } from './mp-path.js';
import type { PathEvent } from './path-state.js';
import { checkPath, probePath, type PathProbe } from './probe.js';
import type { AluaStateName } from '../scsi/wire/index.js';

export interface CheckContext {
  readonly name: string;
  readonly key: string;
  readonly logger: Logger;
  readonly timeoutMs: number | undefined;
  now(): number;
  knownState(tpg: number): AluaStateName | undefined;
  event(p: MpPath, ev: PathEvent): void;
  onCapacityChanged(): Promise<void>;
}

export async function runPathCheck(p: MpPath, ctx: CheckContext): Promise<void> {
  if (p.checking || p.wrongDevice) return;
  p.checking = true;
  try {
    if (!p.transport.connected) {
      if (p.snap.reachable || p.snap.linkUp) ctx.event(p, { type: 'check', result: 'failed', at: ctx.now() });
      return;
    }
    if (!p.verified) {
      let probe: PathProbe;
      try {
        probe = await probePath(p.transport, ctx.timeoutMs);
      } catch {
        ctx.event(p, { type: 'check', result: 'failed', at: ctx.now() });
        return;
      }
      if (probe.key !== ctx.key) {
        p.wrongDevice = true;
        ctx.logger.error({ device: ctx.name, path: p.id }, `path leads to ${probe.key}, not ${ctx.key}: not used`);
        return;
      }
      p.verified = true;
      if (probe.port.targetPortGroup !== undefined) p.tpg = probe.port.targetPortGroup;
      if (probe.port.relativeTargetPort !== undefined) p.relPort = probe.port.relativeTargetPort;
      const known = p.tpg !== undefined ? ctx.knownState(p.tpg) : undefined;
      if (known) ctx.event(p, { type: 'alua', state: known, at: ctx.now() });
    }
    const r = await checkPath(p.transport, ctx.timeoutMs);
    ctx.event(p, { type: 'check', result: r.result, at: ctx.now() });
    if (r.capacityChanged) await ctx.onCapacityChanged().catch(() => undefined);
  } finally {
    p.checking = false;
  }
}
