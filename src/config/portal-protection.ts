/**
 * "A non-loopback portal refuses to start without CHAP or explicit mappings": an open
 * network address must not serve volumes to whoever connects. Checked by both kinds of
 * array before they listen.
 */
import { ValidationError } from '../lib/errors.js';
import type { ControlServices } from '../management/index.js';
import { isLoopback, type PortalConfig } from './portal.js';

export function refuseUnprotectedPortals(portals: readonly PortalConfig[], services: Pick<ControlServices, 'hosts' | 'mappings'>): void {
  const open = portals.filter((p) => !isLoopback(p.host));
  if (open.length === 0) return;
  const hosts = services.hosts.list();
  const withChap = hosts.some((h) => h.chap !== null);
  const explicit = services.mappings.list().some((m) => m.kind !== 'allLoopback');
  if (!withChap && !explicit) {
    throw new ValidationError(
      `portal ${open.map((p) => `${p.host}:${p.port}`).join(', ')} is not on loopback, but no host has CHAP and no volume is mapped to an explicit host or host group. ` +
        `Start on a loopback portal first, create a host with CHAP (tandem host create NAME --initiator IQN --chap-user U --chap-secret S) and map volumes to it, then restart with this portal.`,
      'portals',
    );
  }
}
