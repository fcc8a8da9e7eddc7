/**
 * Path groups and priorities (the multipath-tools "alua" prioritizer with
 * path_grouping_policy group_by_prio, in spirit): one group per target port group;
 * a group's priority comes from its asymmetric access state as reported by REPORT
 * TARGET PORT GROUPS (SPC-4 §6.37):
 *   active/optimized 50 > active/non-optimized 10 > transitioning 2 > standby 1
 *   > unavailable / offline 0, plus 1 when the PREF bit is set (a tie-break only).
 * I/O goes to the alive paths of the best group that has any alive path; groups of equal
 * priority are used together. Standby/unavailable groups never carry I/O.
 */
import type { PathState } from './path-state.js';
import type { AluaStateName, ReportedAluaState } from '../scsi/wire/index.js';

export const ALUA_PRIORITY: Record<AluaStateName, number> = {
  'active-optimized': 50,
  'active-non-optimized': 10,
  transitioning: 2,
  standby: 1,
  unavailable: 0,
  offline: 0,
};

/** The view of a path that grouping and selection need. */
export interface GroupablePath {
  readonly id: string;
  readonly tpg: number | undefined;
  readonly state: PathState;
  readonly alua: AluaStateName;
  readonly inflight: number;
}

export interface PathGroup<P extends GroupablePath> {
  /** Target port group id, or -1 when the LU reports none (no ALUA). */
  tpg: number;
  alua: AluaStateName;
  pref: boolean;
  priority: number;
  paths: P[];
}

/**
 * The state multipath acts on for a reported one. LBA dependent (SPC-4 §5.16.2.4.7): a
 * command may or may not run depending on its LBA; multipath does not route per LBA, so
 * such a group counts as unavailable.
 */
export function followedState(reported: ReportedAluaState): AluaStateName {
  return reported === 'lba-dependent' ? 'unavailable' : reported;
}

export function groupPriority(alua: AluaStateName, pref: boolean): number {
  const base = ALUA_PRIORITY[alua];
  return base === 0 ? 0 : base + (pref ? 1 : 0);
}

/** Groups sorted best first (priority, then lower tpg id for a stable order). */
export function buildPathGroups<P extends GroupablePath>(paths: readonly P[], prefByTpg: ReadonlyMap<number, boolean> = new Map()): PathGroup<P>[] {
  const byTpg = new Map<number, P[]>();
  for (const p of paths) {
    const k = p.tpg ?? -1;
    let list = byTpg.get(k);
    if (!list) byTpg.set(k, (list = []));
    list.push(p);
  }
  const groups: PathGroup<P>[] = [];
  for (const [tpg, list] of byTpg) {
    // All paths of one group share its state; take the one most recently reported by a live path.
    const alua = (list.find((p) => p.state !== 'dead') ?? list[0]!).alua;
    const pref = prefByTpg.get(tpg) ?? false;
    groups.push({ tpg, alua, pref, priority: groupPriority(alua, pref), paths: list });
  }
  return groups.sort((a, b) => b.priority - a.priority || a.tpg - b.tpg);
}

/** The alive paths of the best group(s) that have any alive path; empty when none. */
export function bestUsablePaths<P extends GroupablePath>(groups: readonly PathGroup<P>[]): P[] {
  let best = -1;
  const out: P[] = [];
  for (const g of groups) {
    const alive = g.paths.filter((p) => p.state === 'alive');
    if (alive.length === 0) continue;
    if (best < 0) best = g.priority;
    if (g.priority !== best) break;
    out.push(...alive);
  }
  return out;
}
