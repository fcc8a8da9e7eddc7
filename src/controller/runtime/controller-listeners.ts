/**
 * Controller side of the supervisor's address plan (src/supervisor/address-plan.ts;
 * DS300 note "iSCSI Fail over", docs/sources.md): makes the controller's iSCSI portals exactly the
 * listeners it was sent — its own addresses, a failed port's address moved onto another
 * of its ports, or a peer's addresses taken over — each with its HOME port's identity
 * (TPGT, relative target port id, target port group). A portal not wanted any more is removed, which
 * closes the connections that came in through it; a missing one is added; one whose
 * identity changed is re-created. Idempotent: the same list twice changes nothing.
 */
import type { PortalConfig } from '../../iscsi/target/iscsi-target.js';
import type { Logger } from '../../lib/logger.js';

/** One portal a controller must listen on: the address with its home port's identity. */
export interface PortalListener {
  host: string;
  port: number;
  tpgt: number;
  relativeTargetPortId: number;
  targetPortGroupId: number;
  homeController: string;
  homePort: string;
}

export interface PortalHost {
  boundPortals(): PortalConfig[];
  addPortal(portal: PortalConfig): Promise<void>;
  removePortal(host: string, port: number): Promise<void>;
}

export interface ListenersResult {
  /** "host:port" now listening, after the changes. */
  listening: string[];
  added: string[];
  removed: string[];
  /** One line per portal that could not be changed. */
  errors: string[];
}

const key = (p: { host: string; port: number }) => `${p.host}:${p.port}`;
const sameIdentity = (a: PortalConfig, b: PortalConfig) =>
  a.tpgt === b.tpgt && a.relativeTargetPortId === b.relativeTargetPortId && a.targetPortGroupId === b.targetPortGroupId;

export async function reconcileListeners(target: PortalHost, want: readonly PortalListener[], logger: Logger): Promise<ListenersResult> {
  const wanted = new Map(want.map((l) => [key(l), l]));
  const added: string[] = [];
  const removed: string[] = [];
  const errors: string[] = [];
  for (const have of target.boundPortals()) {
    const w = wanted.get(key(have));
    if (w && sameIdentity(have, w)) continue;
    try {
      await target.removePortal(have.host, have.port);
      removed.push(key(have));
    } catch (err) {
      errors.push(`remove ${key(have)}: ${(err as Error).message}`);
    }
  }
  const now = new Set(target.boundPortals().map(key));
  for (const l of want) {
    if (now.has(key(l))) continue;
    try {
      await target.addPortal({ host: l.host, port: l.port, tpgt: l.tpgt, relativeTargetPortId: l.relativeTargetPortId, targetPortGroupId: l.targetPortGroupId });
      added.push(key(l));
    } catch (err) {
      errors.push(`listen on ${key(l)} (port ${l.homePort} of ${l.homeController}): ${(err as Error).message}`);
    }
  }
  if (errors.length > 0) logger.error({ errors }, 'portal listeners not all as planned');
  if (added.length + removed.length > 0) logger.info({ added, removed }, 'portal listeners changed');
  return { listening: target.boundPortals().map(key), added, removed, errors };
}

/** The controllers whose addresses this one serves (HaRouter "hosted"): home controllers other than itself. */
export function hostedControllers(self: string, want: readonly PortalListener[]): Set<string> {
  return new Set(want.map((l) => l.homeController).filter((c) => c !== self));
}
