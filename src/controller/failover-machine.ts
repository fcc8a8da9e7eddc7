/**
 * The per-controller view of its peer: failure detection, split-brain avoidance,
 * fencing, takeover and failback (docs/ha.md "Failure detection, fencing, takeover";
 * DS300 note in docs/sources.md: implicit failover "through the loss of the heartbeat between
 * the two controllers"; "the controller has to be brought back on-line via management
 * tools, i.e., peer enable"). Pure: transition(snapshot, event) → [snapshot, effects];
 * time comes from the injected Clock; snapshots are plain JSON.
 *
 * States:
 *  - 'peer-unknown'   just started; no heartbeat or hello from the peer yet. After
 *                     startupGraceMs without one, the peer is suspect.
 *  - 'peer-alive'     authenticated link up and heartbeats arriving.
 *  - 'peer-suspect'   heartbeat timeout or link closed; the peer's lease is being checked.
 *  - 'peer-isolated'  link lost but the peer's lease is still valid in the store: both
 *                     controllers are alive, so NO takeover (split brain avoided); the
 *                     lease is re-checked every leaseRecheckMs (a hung peer stops renewing).
 *                     Reported (event and alert) only once it has lasted
 *                     isolationReportMs: a peer that died or hung keeps a valid lease for up
 *                     to one lease period, and the fence agent reports a dead process within
 *                     moments — "peer alive" said at once would be false of a dead peer.
 *  - 'fencing'        the peer's lease expired; the fence agent (supervisor) was asked to
 *                     SIGKILL it and bump its epoch. Retried every fenceRetryMs on failure.
 *                     Nothing is taken over before fencing is confirmed.
 *  - 'peer-failed'    peer fenced (by our request, or reported by the fence agent:
 *                     'peer-fenced', the fast path when its process exits); this controller owns its volumes and serves its
 *                     addresses; alert open until an operator enables the peer.
 *  - 'peer-disabled'  the operator disabled the peer (after the supervisor stopped and
 *                     fenced it); same takeover, no alert.
 *  - 'peer-rejoining' the peer was enabled (or restarted) and must say hello; on hello the
 *                     aliases are released and, with failback 'auto', volumes go back
 *                     after failbackDelayMs; with 'manual' they stay until an operator
 *                     fails back (ownership.failback()).
 */
import type { Clock } from '../lib/clock.js';
import type { Severity } from '../lib/severity.js';
import { alertId } from './alert-ids.js';

export type FailoverState =
  | 'peer-unknown' | 'peer-alive' | 'peer-suspect' | 'peer-isolated' | 'fencing'
  | 'peer-failed' | 'peer-disabled' | 'peer-rejoining';

export type FailbackPolicy = 'manual' | 'auto';

export interface FailoverConfig {
  readonly self: string;
  readonly peer: string;
  /** Peer is suspect after this long without a heartbeat (default 600). */
  readonly heartbeatTimeoutMs?: number;
  /** Interval of 'tick' events the runner sends (default 100). */
  readonly tickMs?: number;
  /** How long to wait for a first word from the peer after start (default 2000). */
  readonly startupGraceMs?: number;
  /** Re-check the peer's lease this often while suspect or isolated (default 200). */
  readonly leaseRecheckMs?: number;
  /** Retry a failed fence this often (default 500). */
  readonly fenceRetryMs?: number;
  /** Report an isolation (event, alert) once it has lasted this long (default 1000; set it above the lease period). */
  readonly isolationReportMs?: number;
  readonly failback?: FailbackPolicy;
  /** Delay before automatic failback after the peer said hello (default 0). */
  readonly failbackDelayMs?: number;
}

export interface FailoverSnapshot {
  readonly state: FailoverState;
  readonly self: string;
  readonly peer: string;
  /** When the current state was entered (ms). */
  readonly since: number;
  readonly linkUp: boolean;
  readonly lastHeartbeatAt: number | null;
  readonly lastLeaseCheckAt: number | null;
  readonly lastFenceAt: number | null;
  /** Boot id the peer sent in its last hello. */
  readonly peerIncarnation: string | null;
  /** In 'peer-rejoining': the peer has said hello since it was enabled. */
  readonly rejoinHello: boolean;
  /** This controller holds the peer's volumes (taken over, not yet failed back). */
  readonly holdsPeerVolumes: boolean;
  /** This controller listens on the peer's addresses as aliases. */
  readonly holdsPeerAddresses: boolean;
  /** Ids of alerts this machine raised and has not cleared. */
  readonly openAlerts: readonly string[];
}

export type FailoverEvent =
  | { readonly type: 'heartbeat'; readonly seq?: number }
  | { readonly type: 'tick' }
  | { readonly type: 'link-up' }
  | { readonly type: 'link-down'; readonly reason?: string }
  | { readonly type: 'lease-check'; readonly peerLeaseValid: boolean }
  | { readonly type: 'fence-done' }
  | { readonly type: 'fence-failed'; readonly error: string }
  /** The fence agent reports the peer dead and fenced (its process exited; epoch bumped). */
  | { readonly type: 'peer-fenced'; readonly why: string }
  | { readonly type: 'operator-enable' }
  | { readonly type: 'operator-disable' }
  | { readonly type: 'peer-hello'; readonly incarnation: string }
  | { readonly type: 'failback-timer' };

export type FailoverTimer = 'tick' | 'failback';

export type FailoverEffect =
  | { readonly type: 'check-peer-lease'; readonly peer: string }
  | { readonly type: 'fence-peer'; readonly peer: string }
  | { readonly type: 'take-over-volumes'; readonly from: string }
  | { readonly type: 'take-over-addresses'; readonly from: string }
  | { readonly type: 'release-addresses'; readonly to: string }
  | { readonly type: 'failback-volumes'; readonly to: string }
  | { readonly type: 'record-event'; readonly severity: Severity; readonly short: string; readonly long: string }
  | { readonly type: 'raise-alert'; readonly id: string; readonly severity: Severity; readonly message: string }
  | { readonly type: 'clear-alert'; readonly id: string }
  | { readonly type: 'start-timer'; readonly timer: FailoverTimer; readonly ms: number; readonly repeat: boolean }
  | { readonly type: 'stop-timer'; readonly timer: FailoverTimer };

export type FailoverStep = [FailoverSnapshot, FailoverEffect[]];

interface Cfg {
  self: string; peer: string; heartbeatTimeoutMs: number; tickMs: number; startupGraceMs: number;
  leaseRecheckMs: number; fenceRetryMs: number; failback: FailbackPolicy; failbackDelayMs: number; isolationReportMs: number;
}

function resolve(c: FailoverConfig): Cfg {
  return {
    self: c.self, peer: c.peer, heartbeatTimeoutMs: c.heartbeatTimeoutMs ?? 600, tickMs: c.tickMs ?? 100,
    startupGraceMs: c.startupGraceMs ?? 2000, leaseRecheckMs: c.leaseRecheckMs ?? 200, fenceRetryMs: c.fenceRetryMs ?? 500,
    failback: c.failback ?? 'manual', failbackDelayMs: c.failbackDelayMs ?? 0, isolationReportMs: c.isolationReportMs ?? 1000,
  };
}

export const alertIds = (peer: string) => ({
  linkLost: alertId('peer-link-lost', peer),
  failed: alertId('controller-failed', peer),
  fenceFailed: alertId('fence-failed', peer),
});

/** The initial snapshot and the effects to start with (the tick timer). */
export function failoverInitial(config: FailoverConfig, now: number): FailoverStep {
  const c = resolve(config);
  const s: FailoverSnapshot = {
    state: 'peer-unknown', self: c.self, peer: c.peer, since: now, linkUp: false, lastHeartbeatAt: null,
    lastLeaseCheckAt: null, lastFenceAt: null, peerIncarnation: null, rejoinHello: false,
    holdsPeerVolumes: false, holdsPeerAddresses: false, openAlerts: [],
  };
  return [s, [{ type: 'start-timer', timer: 'tick', ms: c.tickMs, repeat: true }]];
}

/** Pure transition with an explicit time. */
export function failoverTransition(config: FailoverConfig, now: number, s0: FailoverSnapshot, e: FailoverEvent): FailoverStep {
  const c = resolve(config);
  const fx: FailoverEffect[] = [];
  const ids = alertIds(c.peer);
  let s: FailoverSnapshot = s0;
  const go = (state: FailoverState, patch: Partial<FailoverSnapshot> = {}): void => {
    s = { ...s, ...patch, state, since: state === s.state ? s.since : now };
  };
  const event = (severity: Severity, short: string, long: string): void => { fx.push({ type: 'record-event', severity, short, long }); };
  const raise = (id: string, severity: Severity, message: string): void => {
    if (s.openAlerts.includes(id)) return;
    fx.push({ type: 'raise-alert', id, severity, message });
    s = { ...s, openAlerts: [...s.openAlerts, id] };
  };
  const clear = (id: string): void => {
    if (!s.openAlerts.includes(id)) return;
    fx.push({ type: 'clear-alert', id });
    s = { ...s, openAlerts: s.openAlerts.filter((x) => x !== id) };
  };
  const suspect = (why: string): void => {
    go('peer-suspect', { lastLeaseCheckAt: now });
    event('warning', 'heartbeat lost on peer link', `controller ${c.self} lost contact with controller ${c.peer} (${why}); checking its lease`);
    fx.push({ type: 'check-peer-lease', peer: c.peer });
  };
  const backAlive = (): void => {
    if (s.state === 'peer-suspect' || s.state === 'peer-isolated') {
      event('info', 'peer link restored', `controller ${c.self} hears controller ${c.peer} again`);
    } else if (s.state === 'peer-unknown') {
      event('info', `controller ${c.peer} is alive`, `controller ${c.self} established the peer link with controller ${c.peer}`);
    }
    clear(ids.linkLost);
    go('peer-alive');
  };
  const takeOver = (): void => {
    // Always: taking over is idempotent (only volumes the peer owns now move), and an
    // operator may have failed volumes back by hand since the last takeover.
    fx.push({ type: 'take-over-volumes', from: c.peer });
    if (!s.holdsPeerAddresses) fx.push({ type: 'take-over-addresses', from: c.peer });
    s = { ...s, holdsPeerVolumes: true, holdsPeerAddresses: true };
  };
  const rejoined = (incarnation: string): void => {
    s = { ...s, peerIncarnation: incarnation, lastHeartbeatAt: now, rejoinHello: true };
    if (s.state !== 'peer-rejoining') go('peer-rejoining');
    clear(ids.failed);
    clear(ids.fenceFailed);
    if (s.holdsPeerAddresses) {
      fx.push({ type: 'release-addresses', to: c.peer });
      s = { ...s, holdsPeerAddresses: false };
    }
    if (c.failback === 'auto' && s.holdsPeerVolumes) {
      event('info', `controller ${c.peer} rejoined`, `controller ${c.peer} is back; its volumes fail back in ${c.failbackDelayMs} ms (failback: auto)`);
      fx.push({ type: 'start-timer', timer: 'failback', ms: c.failbackDelayMs, repeat: false });
      return;
    }
    event('info', `controller ${c.peer} rejoined`, s.holdsPeerVolumes
      ? `controller ${c.peer} is back; its volumes stay on controller ${c.self} until an operator fails them back (failback: manual)`
      : `controller ${c.peer} is back`);
    go('peer-alive', { rejoinHello: false });
  };

  switch (e.type) {
    case 'heartbeat':
      s = { ...s, lastHeartbeatAt: now };
      if (s.state === 'peer-unknown' || s.state === 'peer-suspect' || s.state === 'peer-isolated') backAlive();
      break;
    case 'link-up':
      s = { ...s, linkUp: true };
      break;
    case 'link-down':
      s = { ...s, linkUp: false };
      if (s.state === 'peer-alive' || (s.state === 'peer-rejoining' && s.rejoinHello)) suspect(e.reason ?? 'peer link closed');
      break;
    case 'tick': {
      const hbAge = now - (s.lastHeartbeatAt ?? s.since);
      if (s.state === 'peer-alive' || (s.state === 'peer-rejoining' && s.rejoinHello)) {
        if (hbAge > c.heartbeatTimeoutMs) suspect(`no heartbeat for ${hbAge} ms`);
      } else if (s.state === 'peer-unknown') {
        if (now - s.since > c.startupGraceMs) suspect(`no word from the peer ${now - s.since} ms after start`);
      } else if (s.state === 'peer-suspect' || s.state === 'peer-isolated') {
        if (s.state === 'peer-isolated' && !s.openAlerts.includes(ids.linkLost) && now - s.since >= c.isolationReportMs) {
          event('warning', `peer link to controller ${c.peer} lost, peer alive`,
            `controller ${c.peer} still renews its lease ${now - s.since} ms after the link was lost: both controllers are alive, no takeover (split brain avoided); ` +
            'volumes stay with their owners and non-owner paths report standby');
          raise(ids.linkLost, 'warning', `peer link between controllers ${c.self} and ${c.peer} is down: check the interconnect`);
        }
        if (now - (s.lastLeaseCheckAt ?? 0) >= c.leaseRecheckMs) {
          s = { ...s, lastLeaseCheckAt: now };
          fx.push({ type: 'check-peer-lease', peer: c.peer });
        }
      } else if (s.state === 'fencing') {
        if (now - (s.lastFenceAt ?? 0) >= c.fenceRetryMs) {
          s = { ...s, lastFenceAt: now };
          fx.push({ type: 'fence-peer', peer: c.peer });
        }
      }
      break;
    }
    case 'lease-check':
      if (s.state !== 'peer-suspect' && s.state !== 'peer-isolated') break;
      if (e.peerLeaseValid) {
        // Reported from the tick once the isolation has lasted isolationReportMs.
        if (s.state === 'peer-suspect') go('peer-isolated');
      } else {
        go('fencing', { lastFenceAt: now });
        event('error', `controller ${c.peer} unresponsive`, `controller ${c.peer}'s lease expired; asking the fence agent to stop it before taking over`);
        fx.push({ type: 'fence-peer', peer: c.peer });
      }
      break;
    case 'fence-done':
      if (s.state !== 'fencing') break;
      go('peer-failed', { rejoinHello: false });
      takeOver();
      clear(ids.linkLost);
      clear(ids.fenceFailed);
      event('error', `controller ${c.self} takes over from failed controller ${c.peer}`,
        `controller ${c.peer} was fenced; controller ${c.self} took over its volumes and portal addresses`);
      raise(ids.failed, 'error', `controller ${c.peer} failed: waiting for operator enable`);
      break;
    case 'peer-fenced':
      // Fast path: the supervisor saw the process exit and fenced it; no lease wait.
      if (s.state === 'peer-failed' || s.state === 'peer-disabled') break;
      go('peer-failed', { rejoinHello: false, linkUp: false });
      takeOver();
      clear(ids.linkLost);
      clear(ids.fenceFailed);
      fx.push({ type: 'stop-timer', timer: 'failback' });
      event('error', `controller ${c.self} takes over from failed controller ${c.peer}`,
        `${e.why}; controller ${c.self} took over its volumes and portal addresses`);
      raise(ids.failed, 'error', `controller ${c.peer} failed: waiting for operator enable`);
      break;
    case 'fence-failed':
      if (s.state !== 'fencing') break;
      event('critical', `fencing controller ${c.peer} failed`, `${e.error}; retrying every ${c.fenceRetryMs} ms, nothing is taken over until it succeeds`);
      raise(ids.fenceFailed, 'critical', `cannot fence controller ${c.peer}: its volumes are offline until it is stopped`);
      break;
    case 'operator-disable':
      if (s.state === 'peer-disabled') break;
      go('peer-disabled', { rejoinHello: false });
      takeOver();
      clear(ids.linkLost);
      clear(ids.failed);
      clear(ids.fenceFailed);
      fx.push({ type: 'stop-timer', timer: 'failback' });
      event('info', `controller ${c.peer} disabled`, `controller ${c.peer} was disabled by an operator; controller ${c.self} serves its volumes and addresses`);
      break;
    case 'operator-enable':
      if (s.state !== 'peer-failed' && s.state !== 'peer-disabled') break;
      go('peer-rejoining', { rejoinHello: false });
      clear(ids.failed);
      event('info', `controller ${c.peer} enabled`, `controller ${c.peer} was enabled by an operator; waiting for it to rejoin`);
      break;
    case 'peer-hello': {
      const restarted = s.peerIncarnation !== null && s.peerIncarnation !== e.incarnation;
      if (s.state === 'peer-failed' || s.state === 'peer-disabled' || s.state === 'peer-rejoining') {
        rejoined(e.incarnation);
        break;
      }
      s = { ...s, peerIncarnation: e.incarnation, lastHeartbeatAt: now };
      if (s.state === 'fencing') break; // too late: the kill is under way
      if (restarted && s.state === 'peer-alive') {
        event('warning', `controller ${c.peer} restarted`, `controller ${c.peer} came back with a new incarnation before its failure was detected`);
      }
      if (s.state !== 'peer-alive') backAlive();
      break;
    }
    case 'failback-timer':
      if (s.state !== 'peer-rejoining' || !s.rejoinHello) break;
      if (s.holdsPeerVolumes) {
        fx.push({ type: 'failback-volumes', to: c.peer });
        event('info', `volumes failed back to controller ${c.peer}`, `controller ${c.self} returned controller ${c.peer}'s preferred volumes (failback: auto)`);
      }
      go('peer-alive', { holdsPeerVolumes: false, rejoinHello: false });
      break;
  }
  return [s, fx];
}

/** Tells the machine that the operator failed the volumes back by hand (manual policy). */
export function volumesFailedBack(s: FailoverSnapshot): FailoverSnapshot {
  return { ...s, holdsPeerVolumes: false };
}

export interface FailoverMachine {
  readonly config: FailoverConfig;
  initial(): FailoverStep;
  transition(s: FailoverSnapshot, e: FailoverEvent): FailoverStep;
}

/** Binds the pure transition to a config and an injected clock. */
export function createFailoverMachine(config: FailoverConfig, clock: Pick<Clock, 'now'>): FailoverMachine {
  return {
    config,
    initial: () => failoverInitial(config, clock.now()),
    transition: (s, e) => failoverTransition(config, clock.now(), s, e),
  };
}
