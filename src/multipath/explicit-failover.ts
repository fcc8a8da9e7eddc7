/**
 * Explicit ALUA failover (SPC-4 §6.42 SET TARGET PORT GROUPS; compare the "alua"
 * hardware handler's explicit mode in Linux scsi_dh_alua): when no active/optimized
 * path is usable, pick the target port group to promote.
 *
 * Pure: given the paths, returns the group to make active/optimized and the path to
 * send STPG through, or undefined. Only reachable, identity-verified paths count.
 * Preference: a group that is active/non-optimized (already carries I/O, cheapest to
 * promote), then standby; within a state, the group with the PREF bit (SPC-4 §6.37).
 * Unavailable, offline and transitioning groups are never chosen.
 */
import type { MpPath } from './mp-path.js';
import type { AluaStateName } from '../scsi/wire/index.js';

export function chooseFailoverTarget(paths: Iterable<MpPath>, pref: ReadonlyMap<number, boolean>): { tpg: number; via: MpPath } | undefined {
  const reachable = [...paths].filter((p) => p.verified && !p.wrongDevice && p.tpg !== undefined && p.state !== 'dead' && p.transport.connected);
  if (reachable.some((p) => p.state === 'alive' && p.alua === 'active-optimized')) return undefined;
  const order: AluaStateName[] = ['active-non-optimized', 'standby'];
  for (const st of order) {
    const c = reachable.filter((p) => p.alua === st && p.state !== 'transitioning');
    const via = c.find((p) => pref.get(p.tpg!)) ?? c[0];
    if (via) return { tpg: via.tpg!, via };
  }
  return undefined;
}
