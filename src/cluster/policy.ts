/**
 * The cluster policy of a dual-controller array (docs/ha.md: "Failure detection,
 * fencing, takeover" for heartbeats and failback, "I/O on the non-owner" for the
 * default failover mode and the mode 4 threshold, "Ownership moves (trespass)" for the
 * transitioning hold), its defaults, and the check of a change. Pure.
 */
import { ValidationError } from '../lib/errors.js';
import { checkFailoverMode, DEFAULT_ALUA_TRESPASS_THRESHOLD, DEFAULT_FAILOVER_MODE, type FailoverMode } from './failover-modes.js';
import { NON_OWNER_STATES, type NonOwnerState } from './ownership.js';

export interface ClusterPolicy {
  /** 'auto': volumes return to their preferred owner when it rejoins (after failbackDelayMs). */
  failback: 'manual' | 'auto';
  failbackDelayMs: number;
  /** ALUA state a live non-owner reports for a volume. */
  nonOwnerState: NonOwnerState;
  /** Failover mode 4: I/Os the non-owner may serve beyond the owner before an implicit trespass (VNX: 64000). */
  aluaTrespassThreshold: number;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  /** Failover mode of hosts whose failoverMode is null (0..4). */
  defaultFailoverMode: FailoverMode;
  /**
   * Shortest time an ownership move holds the ALUA transitioning state (after the old
   * owner has drained its commands), e.g. to let a host's multipath layer observe it. 0 = no hold.
   */
  aluaTransitionMs: number;
}

export const DEFAULT_CLUSTER_POLICY: Readonly<ClusterPolicy> = {
  failback: 'manual', failbackDelayMs: 0, nonOwnerState: 'active-non-optimized', aluaTrespassThreshold: DEFAULT_ALUA_TRESPASS_THRESHOLD,
  heartbeatIntervalMs: 100, heartbeatTimeoutMs: 600, defaultFailoverMode: DEFAULT_FAILOVER_MODE, aluaTransitionMs: 0,
};

function checkInt(p: Record<string, unknown>, field: string, min: number, max: number, unit: string): void {
  const v = p[field];
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ValidationError(`${field} must be a whole number of ${unit} from ${min} to ${max} (got ${JSON.stringify(v)})`, field);
  }
}

/**
 * Checks a policy change (loose input such as an API body) against the current policy;
 * returns the checked change, without undefined fields. The heartbeat timeout must
 * leave room for at least two missed heartbeats.
 */
export function checkPolicyPatch(current: ClusterPolicy, input: object): Partial<ClusterPolicy> {
  const p = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const patch = p as Partial<ClusterPolicy>;
  for (const k of Object.keys(p)) {
    if (!(k in DEFAULT_CLUSTER_POLICY)) {
      throw new ValidationError(`unknown policy field '${k}': use ${Object.keys(DEFAULT_CLUSTER_POLICY).join(', ')}`, k);
    }
  }
  if (p.failback !== undefined && p.failback !== 'manual' && p.failback !== 'auto') {
    throw new ValidationError(`failback must be 'manual' or 'auto' (got ${JSON.stringify(p.failback)})`, 'failback');
  }
  if (p.nonOwnerState !== undefined && !NON_OWNER_STATES.includes(p.nonOwnerState as NonOwnerState)) {
    throw new ValidationError(`nonOwnerState must be one of ${NON_OWNER_STATES.join(', ')} (got ${JSON.stringify(p.nonOwnerState)})`, 'nonOwnerState');
  }
  checkInt(p, 'failbackDelayMs', 0, 86_400_000, 'milliseconds');
  checkInt(p, 'aluaTrespassThreshold', 1, 1_000_000_000, 'I/Os');
  checkInt(p, 'aluaTransitionMs', 0, 60_000, 'milliseconds');
  checkInt(p, 'heartbeatIntervalMs', 10, 60_000, 'milliseconds');
  checkInt(p, 'heartbeatTimeoutMs', 20, 600_000, 'milliseconds');
  if (p.defaultFailoverMode !== undefined) checkFailoverMode(p.defaultFailoverMode, 'defaultFailoverMode');
  const merged: ClusterPolicy = { ...current, ...patch };
  if (merged.heartbeatTimeoutMs < 2 * merged.heartbeatIntervalMs) {
    const field = patch.heartbeatTimeoutMs !== undefined ? 'heartbeatTimeoutMs' : 'heartbeatIntervalMs';
    throw new ValidationError(
      `heartbeatTimeoutMs (${merged.heartbeatTimeoutMs}) must be at least twice heartbeatIntervalMs (${merged.heartbeatIntervalMs}), ` +
        'or one late heartbeat fails a healthy controller over', field);
  }
  return patch;
}
