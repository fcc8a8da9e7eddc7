/**
 * The target port groups of a single-controller target (no AccessRouter), for REPORT
 * TARGET PORT GROUPS (SPC-4 §6.37): one group per distinct target port group id of the
 * target's ports, the LU's own per-group access state (LogicalUnit.aluaState, default
 * active/optimized), no preferred group. With no ports configured, the group and port of
 * the asking nexus.
 */
import type { AluaStateName } from '../command-context.js';
import type { PortGroupView } from '../core-context.js';

export function defaultPortGroups(
  ports: ReadonlyArray<{ relativeTargetPortId: number; targetPortGroupId: number }>,
  lu: { aluaState(targetPortGroupId: number): AluaStateName },
  nexus?: { relativeTargetPortId: number; targetPortGroupId: number },
): PortGroupView[] {
  const all = ports.length > 0 || !nexus ? ports : [nexus];
  const ids = [...new Set(all.map((p) => p.targetPortGroupId))].sort((a, b) => a - b);
  return ids.map((id) => ({
    id,
    state: lu.aluaState(id),
    preferred: false,
    relativePortIds: all.filter((p) => p.targetPortGroupId === id).map((p) => p.relativeTargetPortId),
  }));
}
