/**
 * Binds the pure failover machine (src/controller/failover-machine.ts, run by
 * FailoverRunner with the real clock) to one controller process: peer link events and
 * the supervisor's reports go in, effects come out as lease checks in the shared store,
 * fence requests to the supervisor (the fence agent), takeover of the peer's volumes,
 * failback, events and alerts (DS300 note: implicit failover "through the loss of the
 * heartbeat between the two controllers"; "Failback ... may be initiated manually or
 * automatically according to a user-defined policy").
 *
 * Portal addresses are not moved here: the supervisor alone knows every port's link
 * state and places addresses with its address plan (src/supervisor/address-plan.ts)
 * when a controller exits, is fenced, disabled or enabled; the address effects are only
 * logged.
 *
 * Logging (docs/ha.md "Failure detection, fencing, takeover"): a change of the machine's
 * state is one info line ("peer B: peer-alive → peer-suspect (link-down)"); a heartbeat,
 * which only refreshes the snapshot, logs nothing. Asking for a fence is a warning that
 * names both controllers and the reason.
 */
import { systemClock } from '../../lib/clock.js';
import type { ClusterPolicy } from '../../cluster/index.js';
import {
  bindPeerLink, createFailoverMachine, FailoverRunner, type FailoverConfig, type FailoverSnapshot, type PeerLink,
} from '../index.js';
import type { Logger } from '../../lib/logger.js';
import type { Severity } from '../../lib/severity.js';
import type { ControllerEvent } from './supervisor-link.js';

export interface FailoverGlueDeps {
  self: string;
  peer: string;
  link: PeerLink;
  heartbeatTimeoutMs: number;
  /** The lease period: an isolation is reported only once it has outlasted it (a dead or hung peer's lease runs out first). */
  leaseMs?: number;
  policy(): ClusterPolicy;
  peerLeaseValid(): boolean;
  /** Ask the supervisor to SIGKILL the peer and bump its lease epoch. */
  fence(reason: string): Promise<void>;
  takeOverVolumes(): Promise<void> | void;
  failbackVolumes(): Promise<void>;
  event(e: ControllerEvent): void;
  alert(op: 'raise' | 'clear', id: string, message?: string): void;
  /** A change of the machine's state (not every snapshot: a heartbeat refreshes it ten times a second). */
  onState?(s: FailoverSnapshot): void;
  logger: Logger;
}

/** The event log entry of a machine event: 'critical' is for the alert it raises with it, the event itself is an error. */
const EVENT_SEVERITY: Record<Severity, Severity> = { info: 'info', warning: 'warning', error: 'error', critical: 'error' };

export function startFailover(d: FailoverGlueDeps): { runner: FailoverRunner; stop(): void } {
  // The policy may change at run time: the machine reads these on every transition.
  const config: FailoverConfig = {
    self: d.self,
    peer: d.peer,
    heartbeatTimeoutMs: d.heartbeatTimeoutMs,
    tickMs: 100,
    // A peer that is starting may take a while on a busy machine; a peer that dies while
    // starting is reported by the supervisor at once (its process exits).
    startupGraceMs: 20_000,
    leaseRecheckMs: 200,
    fenceRetryMs: 500,
    isolationReportMs: (d.leaseMs ?? 800) + 200,
    get failback() { return d.policy().failback; },
    get failbackDelayMs() { return d.policy().failbackDelayMs; },
  };
  const runner = new FailoverRunner(createFailoverMachine(config, systemClock), {
    checkPeerLease: () => d.peerLeaseValid(),
    fencePeer: () => {
      const reason = `peer link silent and lease of ${d.peer} expired`;
      d.logger.warn({ fence: d.peer, by: d.self, reason }, `controller ${d.self} asks the supervisor to fence controller ${d.peer}: ${reason}`);
      return d.fence(reason);
    },
    takeOverVolumes: () => d.takeOverVolumes(),
    takeOverAddresses: () => d.logger.info(`addresses of ${d.peer}: placed by the supervisor's address plan`),
    releaseAddresses: () => undefined,
    failbackVolumes: () => d.failbackVolumes(),
    recordEvent: (e) => d.event({ severity: EVENT_SEVERITY[e.severity], short: e.short, long: e.long }),
    raiseAlert: (a) => d.alert('raise', a.id, a.message),
    clearAlert: (id) => d.alert('clear', id),
    onTransition: (prev, next, e) => {
      if (prev.state === next.state) return;
      d.logger.info({ failover: next.state, from: prev.state, event: e.type }, `peer ${d.peer}: ${prev.state} → ${next.state} (${e.type})`);
      d.onState?.(next);
    },
    onError: (err, effect) => d.logger.error({ err, effect: effect.type }, 'failover effect failed'),
  }, systemClock);
  const unbind = bindPeerLink(d.link, runner);
  runner.start();
  return {
    runner,
    stop() {
      unbind();
      runner.stop();
    },
  };
}
