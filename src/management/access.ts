/**
 * Who sees which LUN. `resolveAccessFrom` is pure: given a snapshot of hosts, groups
 * and mappings it returns the LUN → volume-name map for one initiator on one portal.
 *
 * Rules: an initiator listed on a host sees that host's mappings and its groups'
 * mappings (explicit mappings first, host before groups, groups by name); on a
 * loopback portal every initiator (registered or not) also sees the 'all-loopback'
 * mappings. A LUN already taken by an earlier rule is never overridden.
 */
import type { ChapCredentials, HostGroupRecord, HostRecord, MappingRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import { normalizeIscsiName } from './validate.js';

export interface AccessSnapshot {
  hosts: readonly HostRecord[];
  hostGroups: readonly HostGroupRecord[];
  mappings: readonly MappingRecord[];
}

export function resolveAccessFrom(snap: AccessSnapshot, initiatorName: string, portalIsLoopback: boolean): Map<number, string> {
  const name = normalizeIscsiName(initiatorName);
  const out = new Map<number, string>();
  const add = (ms: Iterable<MappingRecord>): void => {
    for (const m of [...ms].sort((a, b) => a.lun - b.lun)) if (!out.has(m.lun)) out.set(m.lun, m.volumeName);
  };
  const host = snap.hosts.find((h) => h.initiators.includes(name));
  if (host) {
    add(snap.mappings.filter((m) => m.kind === 'host' && m.hostName === host.name));
    const groups = snap.hostGroups.filter((g) => g.hosts.includes(host.name)).map((g) => g.name).sort();
    for (const g of groups) add(snap.mappings.filter((m) => m.kind === 'hostGroup' && m.hostGroupName === g));
  }
  if (portalIsLoopback) add(snap.mappings.filter((m) => m.kind === 'allLoopback'));
  return new Map([...out].sort((a, b) => a[0] - b[0]));
}

/** LUNs an initiator of this host can see on some portal (loopback included). */
export function hostViewLuns(snap: AccessSnapshot, hostName: string, exceptGroup?: string): Set<number> {
  const groups = new Set(snap.hostGroups.filter((g) => g.hosts.includes(hostName) && g.name !== exceptGroup).map((g) => g.name));
  return new Set(snap.mappings.filter((m) =>
    (m.kind === 'host' && m.hostName === hostName) ||
    (m.kind === 'hostGroup' && m.hostGroupName !== null && groups.has(m.hostGroupName)) ||
    m.kind === 'allLoopback').map((m) => m.lun));
}

export type MappingTarget =
  | { kind: 'host'; hostName: string }
  | { kind: 'hostGroup'; hostGroupName: string }
  | { kind: 'allLoopback' };

/**
 * LUNs already used in some initiator view the new mapping would join. 'all-loopback'
 * joins every view (any registered initiator may also log in on a loopback portal).
 */
export function lunsInUse(snap: AccessSnapshot, target: MappingTarget): Set<number> {
  switch (target.kind) {
    case 'allLoopback':
      return new Set(snap.mappings.map((m) => m.lun));
    case 'host':
      return hostViewLuns(snap, target.hostName);
    case 'hostGroup': {
      const used = new Set(snap.mappings.filter((m) =>
        (m.kind === 'hostGroup' && m.hostGroupName === target.hostGroupName) || m.kind === 'allLoopback').map((m) => m.lun));
      const g = snap.hostGroups.find((x) => x.name === target.hostGroupName);
      for (const h of g?.hosts ?? []) for (const l of hostViewLuns(snap, h)) used.add(l);
      return used;
    }
  }
}

/** LUNs that would appear twice for the host if it joined the group. */
export function membershipLunClashes(snap: AccessSnapshot, hostName: string, groupName: string): number[] {
  const mine = hostViewLuns(snap, hostName, groupName);
  return snap.mappings.filter((m) => m.kind === 'hostGroup' && m.hostGroupName === groupName && mine.has(m.lun))
    .map((m) => m.lun).sort((a, b) => a - b);
}

/** Reads the current snapshot from the store; used by the data plane at login time. */
export class AccessResolver {
  constructor(private readonly store: Store) {}

  snapshot(): AccessSnapshot {
    return { hosts: this.store.hosts.list(), hostGroups: this.store.hostGroups.list(), mappings: this.store.mappings.list() };
  }

  resolveAccess(initiatorName: string, portalIsLoopback: boolean): Map<number, string> {
    return resolveAccessFrom(this.snapshot(), initiatorName, portalIsLoopback);
  }

  /** CHAP credentials the target must demand from this initiator; null = no CHAP configured. */
  chapFor(initiatorName: string): ChapCredentials | null {
    return this.store.hosts.byInitiator(normalizeIscsiName(initiatorName))?.chap ?? null;
  }

  /** The host record an initiator belongs to, if any. */
  hostOf(initiatorName: string): HostRecord | undefined {
    return this.store.hosts.byInitiator(normalizeIscsiName(initiatorName));
  }
}
