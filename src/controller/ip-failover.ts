/**
 * Portal address placement after port and controller failures — the DS300 "iSCSI Fail
 * over" rules (DS300 note in docs/sources.md), pure:
 *  - "Single port failure: The IP address will be moved to the other port on the same
 *    controller."
 *  - "Double port failure (or controller failure): Both IP addresses will be moved to
 *    the corresponding ports on the other controller."
 *  - "Triple port failure: All IP addresses will be mapped to the remaining port."
 * ipFailover per controller: local (port to port on the same controller), remote (any
 * port down ⇒ the whole controller fails over), both (local first, remote when the last
 * port fails), none ("no failover occurs from the local controller ports or from
 * controller to controller ports").
 *
 * A controller that is not healthy (crashed, fenced, disabled) always has its addresses
 * taken over by the survivor (implicit failover) whatever its ipFailover mode: `none`
 * governs link failures only.
 */
import type { IpFailoverMode } from '../cluster/index.js';

export interface PortState {
  readonly name: string;
  /** host:port of the portal (its "IP address"). */
  readonly address: string;
  readonly linkUp: boolean;
}

export interface ControllerPorts {
  readonly name: string;
  readonly ports: readonly PortState[];
  readonly ipFailover: IpFailoverMode;
  /** Process alive and not fenced/disabled. */
  readonly healthy: boolean;
}

export type ServeReason = 'home' | 'local-port-failover' | 'controller-failover' | 'remaining-port';

export interface AddressPlacement {
  readonly address: string;
  readonly homeController: string;
  readonly homePort: string;
  /** Who serves the address now; null when nobody can. */
  readonly servedBy: { readonly controller: string; readonly port: string } | null;
  readonly reason: ServeReason | 'unserved';
}

export interface IpFailoverPlan {
  readonly placements: readonly AddressPlacement[];
  /** Controllers that must fail over entirely (volumes and addresses to a peer). */
  readonly failOver: readonly string[];
  /** Controllers that failed over but found no healthy peer to take them. */
  readonly stranded: readonly string[];
}

/** Does a healthy controller's port state force a whole-controller failover? */
export function mustFailOverEntirely(c: ControllerPorts): boolean {
  if (!c.healthy) return true;
  const down = c.ports.filter((p) => !p.linkUp).length;
  if (down === 0 || c.ports.length === 0) return false;
  if (c.ipFailover === 'remote') return true;
  if (c.ipFailover === 'both') return down === c.ports.length;
  return false;
}

/**
 * Where a port-local failover lands on controller c: another up port on c, first by
 * order after the failed one (ETH2→ETH3, ETH3→ETH2).
 */
function localTarget(c: ControllerPorts, index: number): PortState | undefined {
  const n = c.ports.length;
  for (let k = 1; k < n; k++) {
    const p = c.ports[(index + k) % n]!;
    if (p.linkUp) return p;
  }
  return undefined;
}

/** Computes which controller and port serves every portal address. */
export function planIpFailover(controllers: readonly ControllerPorts[]): IpFailoverPlan {
  const failOver = controllers.filter(mustFailOverEntirely).map((c) => c.name);
  const survivors = controllers.filter((c) => !failOver.includes(c.name) && c.ports.some((p) => p.linkUp));
  const stranded: string[] = [];
  const placements: AddressPlacement[] = [];
  for (const c of controllers) {
    const failed = failOver.includes(c.name);
    const peer = failed ? survivors.find((s) => s.name !== c.name) : undefined;
    if (failed && !peer) stranded.push(c.name);
    c.ports.forEach((p, i) => {
      const base = { address: p.address, homeController: c.name, homePort: p.name };
      if (!failed) {
        if (p.linkUp) { placements.push({ ...base, servedBy: { controller: c.name, port: p.name }, reason: 'home' }); return; }
        const t = c.ipFailover === 'local' || c.ipFailover === 'both' ? localTarget(c, i) : undefined;
        placements.push(t ? { ...base, servedBy: { controller: c.name, port: t.name }, reason: 'local-port-failover' }
          : { ...base, servedBy: null, reason: 'unserved' });
        return;
      }
      if (!peer) { placements.push({ ...base, servedBy: null, reason: 'unserved' }); return; }
      // "corresponding ports on the other controller" (ETH2→ETH2); if that one is down,
      // the remaining up port (triple port failure).
      const corr = peer.ports[i];
      if (corr?.linkUp) placements.push({ ...base, servedBy: { controller: peer.name, port: corr.name }, reason: 'controller-failover' });
      else {
        const t = corr ? localTarget(peer, i) : peer.ports.find((q) => q.linkUp);
        placements.push(t ? { ...base, servedBy: { controller: peer.name, port: t.name }, reason: 'remaining-port' }
          : { ...base, servedBy: null, reason: 'unserved' });
      }
    });
  }
  return { placements, failOver, stranded };
}

/** The addresses a controller must listen on (its own and aliases), grouped by its port. */
export function listenersFor(plan: IpFailoverPlan, controller: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const p of plan.placements) {
    if (p.servedBy?.controller !== controller) continue;
    (out[p.servedBy.port] ??= []).push(p.address);
  }
  return out;
}
