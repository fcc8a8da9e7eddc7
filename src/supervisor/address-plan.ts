/**
 * Where every portal address of a dual-controller array is served (docs/ha.md "Port
 * failures"; DS300 "iSCSI Fail over" and "Controller iSCSI ipfailover modes", docs/sources.md),
 * computed by the supervisor — the only one that knows every port's link state and
 * every controller's health — from the pure planner src/controller/ip-failover.ts, and
 * turned into the exact listener list each controller process must have.
 *
 *  - "Single port failure: The IP address will be moved to the other port on the same
 *    controller."
 *  - "Double port failure (or controller failure): Both IP addresses will be moved to
 *    the corresponding ports on the other controller."
 *  - "Triple port failure: All IP addresses will be mapped to the remaining port."
 *
 * An address always keeps its HOME port's identity (TPGT, relative target port id,
 * target port group id) wherever it is served: an initiator that reconnects to the same
 * address sees the same portal group tag, and REPORT TARGET PORT GROUPS still lists the
 * port in its home group (which then reports the state of the controller hosting it).
 *
 * Controller health for addresses: online ⇒ serves; failed, fenced, disabled ⇒ its
 * addresses go to the peer (implicit failover, whatever its ipFailover mode); starting
 * or stopped ⇒ "reserved": nobody else takes its addresses (a starting controller binds
 * them itself; the array is not up yet or is shutting down) and it takes nothing.
 */
import type { ControllerState, IpFailoverMode } from '../cluster/index.js';
import { planIpFailover, type AddressPlacement, type ControllerPorts } from '../controller/ip-failover.js';
import type { PortalListener } from '../controller/runtime/controller-listeners.js';
import type { HaConfig, HaPortConfig } from '../config/ha-config.js';

export type AddressHealth = 'healthy' | 'down' | 'reserved';

/** online ⇒ healthy; starting/stopped ⇒ reserved; failed/fenced/disabled ⇒ down. */
export function addressHealth(state: ControllerState): AddressHealth {
  if (state === 'online') return 'healthy';
  if (state === 'starting' || state === 'stopped') return 'reserved';
  return 'down';
}

export interface ControllerAddressFacts {
  health: AddressHealth;
  ipFailover: IpFailoverMode;
  portsDown: ReadonlySet<string>;
}

export type PlacementReason = AddressPlacement['reason'] | 'reserved';

export interface PortPlacement {
  homeController: string;
  homePort: string;
  address: string;
  /** Who serves it now; null when nobody does. */
  servedBy: { controller: string; port: string } | null;
  reason: PlacementReason;
}

export interface AddressPlan {
  /** One per port of every controller, in configuration order. */
  placements: PortPlacement[];
  /** Per controller name: exactly the listeners it must have (empty for controllers not planned). */
  listeners: Record<string, PortalListener[]>;
  /** HEALTHY controllers whose port failures fail them over entirely (remote, or both with every port down). */
  portFailedOver: string[];
  /** Healthy controllers that would fail over but have no peer to take them: they keep what they can serve. */
  stranded: string[];
}

/** The remote failover a stranded (no live peer) controller falls back to. */
function withoutRemote(mode: IpFailoverMode): IpFailoverMode {
  return mode === 'both' ? 'local' : mode === 'remote' ? 'none' : mode;
}

function listenerOf(p: HaPortConfig, homeController: string): PortalListener {
  return {
    host: p.host, port: p.port, tpgt: p.tpgt, relativeTargetPortId: p.relativeTargetPortId,
    targetPortGroupId: p.targetPortGroupId, homeController, homePort: p.name,
  };
}

export function planAddresses(ha: HaConfig, facts: (controller: string) => ControllerAddressFacts): AddressPlan {
  const f = new Map(ha.controllers.map((c) => [c.name, facts(c.name)]));
  const planned = ha.controllers.filter((c) => f.get(c.name)!.health !== 'reserved');
  const input = (override: ReadonlySet<string>): ControllerPorts[] => planned.map((c) => {
    const x = f.get(c.name)!;
    return {
      name: c.name,
      healthy: x.health === 'healthy',
      ipFailover: override.has(c.name) ? withoutRemote(x.ipFailover) : x.ipFailover,
      ports: c.ports.map((p) => ({ name: p.name, address: `${p.host}:${p.port}`, linkUp: !x.portsDown.has(p.name) })),
    };
  });
  let plan = planIpFailover(input(new Set()));
  // A healthy controller with nobody to fail over to keeps serving what its own ports can.
  const stranded = plan.stranded.filter((n) => f.get(n)!.health === 'healthy');
  if (stranded.length > 0) plan = planIpFailover(input(new Set(stranded)));
  const byHome = new Map(plan.placements.map((p) => [p.homePort, p]));
  const placements: PortPlacement[] = [];
  const listeners: Record<string, PortalListener[]> = Object.fromEntries(ha.controllers.map((c) => [c.name, []]));
  for (const c of ha.controllers) {
    for (const p of c.ports) {
      const pl = byHome.get(p.name);
      const address = `${p.host}:${p.port}`;
      if (!pl) {
        placements.push({ homeController: c.name, homePort: p.name, address, servedBy: null, reason: 'reserved' });
        continue;
      }
      placements.push({ homeController: c.name, homePort: p.name, address, servedBy: pl.servedBy ? { ...pl.servedBy } : null, reason: pl.reason });
      if (pl.servedBy) listeners[pl.servedBy.controller]!.push(listenerOf(p, c.name));
    }
  }
  const portFailedOver = plan.failOver.filter((n) => f.get(n)!.health === 'healthy');
  return { placements, listeners, portFailedOver, stranded };
}

/** "A1", "B0" or null: the port now serving `homePort`'s address. */
export function servedByPort(plan: AddressPlan, homePort: string): string | null {
  return plan.placements.find((p) => p.homePort === homePort)?.servedBy?.port ?? null;
}

/** One line for messages: "127.0.1.1:3260 (A0) served by port A1 of controller A (local port failover)". */
export function describePlacement(p: PortPlacement): string {
  const why: Record<PlacementReason, string> = {
    home: 'its own port', 'local-port-failover': 'local port failover', 'controller-failover': 'controller failover',
    'remaining-port': 'remaining port', unserved: 'no failover possible', reserved: 'controller starting or stopped',
  };
  if (!p.servedBy) return `${p.address} (${p.homePort}) not served (${why[p.reason]})`;
  return `${p.address} (${p.homePort}) served by port ${p.servedBy.port} of controller ${p.servedBy.controller}${p.reason === 'home' ? '' : ` (${why[p.reason]})`}`;
}
