/**
 * The run-time settings of a dual-controller array: the cluster policy and each
 * controller's ipFailover mode. They start from the defaults and the configuration file,
 * and what an operator changes (tandem cluster policy set, tandem controller
 * set-ipfailover) is kept in the state store (store.settings) so that it survives a
 * restart.
 */
import { checkPolicyPatch, DEFAULT_CLUSTER_POLICY, IP_FAILOVER_MODES, type ClusterPolicy, type IpFailoverMode } from '../cluster/index.js';
import type { HaConfig } from '../config/ha-config.js';
import type { Logger } from '../lib/logger.js';
import type { Store } from '../store/index.js';

/** The operator's cluster policy changes (tandem cluster policy set). */
export const POLICY_KEY = 'cluster-policy';
/** The operator's ipFailover per controller (tandem controller set-ipfailover). */
export const IP_FAILOVER_KEY = 'ip-failover';

export class ClusterSettings {
  private current: ClusterPolicy = { ...DEFAULT_CLUSTER_POLICY };

  /** Loads the policy (defaults ← configuration file ← stored changes) and applies stored ipFailover modes to `ha`. */
  constructor(private readonly store: Pick<Store, 'settings'>, private readonly ha: HaConfig, logger: Logger) {
    Object.assign(this.current, ha.policy); // the configuration file's initial policy (checked by loadConfig)
    try {
      const stored = store.settings.get<object>(POLICY_KEY);
      if (stored) Object.assign(this.current, checkPolicyPatch(this.current, stored));
    } catch (err) {
      logger.warn({ err }, 'stored cluster policy ignored');
    }
    const ipfo = store.settings.get<Record<string, string>>(IP_FAILOVER_KEY) ?? {};
    for (const c of ha.controllers) {
      const m = ipfo[c.name];
      if (m !== undefined && (IP_FAILOVER_MODES as readonly string[]).includes(m)) c.ipFailover = m as IpFailoverMode;
    }
    this.current.heartbeatIntervalMs = ha.heartbeatIntervalMs;
    this.current.heartbeatTimeoutMs = ha.heartbeatTimeoutMs;
  }

  policy(): ClusterPolicy {
    return this.current;
  }

  /** Applies a checked policy change and keeps it. */
  setPolicy(patch: Partial<ClusterPolicy>): ClusterPolicy {
    this.current = { ...this.current, ...patch };
    this.store.settings.set(POLICY_KEY, { ...(this.store.settings.get<object>(POLICY_KEY) ?? {}), ...patch });
    return this.current;
  }

  ipFailover(name: string): IpFailoverMode | undefined {
    return this.ha.controllers.find((c) => c.name === name)?.ipFailover;
  }

  /** Sets a controller's ipFailover mode (in the in-memory layout the address plan reads) and keeps it. */
  setIpFailover(name: string, mode: IpFailoverMode): void {
    const c = this.ha.controllers.find((x) => x.name === name);
    if (c) c.ipFailover = mode;
    this.store.settings.set(IP_FAILOVER_KEY, { ...(this.store.settings.get<object>(IP_FAILOVER_KEY) ?? {}), [name]: mode });
  }
}
