/** Records → API bodies. Secrets never leave the array. */
import type { HostGroupRecord, HostRecord, MappingRecord, VolumeRecord, EventRecord } from '../store/records.js';
import type { AlertRecord } from '../store/records.js';
import type { ControllerInfo, OwnershipView } from '../cluster/index.js';
import type { Alert, Controller, Event, Host, HostGroup, Mapping, Volume } from './schemas.js';

export function presentMapping(m: MappingRecord): Mapping {
  return { id: m.id, volumeName: m.volumeName, kind: m.kind, hostName: m.hostName, hostGroupName: m.hostGroupName, lun: m.lun, createdAt: m.createdAt };
}

/** `ownership` only on a dual-controller array. */
export function presentVolume(v: VolumeRecord, allocatedBytes: number | null, mappings: MappingRecord[], ownership?: OwnershipView): Volume {
  return {
    id: v.id, name: v.name, sizeBytes: v.sizeBytes, blockSize: v.blockSize, thin: v.thin, backing: v.backing, path: v.path,
    naa: v.naa, serial: v.serial, writeProtected: v.writeProtected, createdAt: v.createdAt, allocatedBytes,
    mappings: mappings.map(presentMapping),
    ...(ownership ? {
      preferredOwner: ownership.preferredOwner, currentOwner: ownership.currentOwner, autoTrespass: ownership.autoTrespass,
      ownershipTransitioning: ownership.transitioning,
    } : {}),
  };
}

export function presentController(c: ControllerInfo): Controller {
  return {
    name: c.name, pid: c.pid, state: c.state, ipFailover: c.ipFailover, volumesOwned: [...c.volumesOwned],
    ports: c.ports.map((p) => ({ name: p.name, address: p.address, servedBy: p.servedBy, link: p.link })),
    ...(c.leaseEpoch !== undefined ? { leaseEpoch: c.leaseEpoch } : {}),
  };
}

export function presentAlert(a: AlertRecord): Alert {
  return { id: a.id, raisedAt: a.raisedAt, clearedAt: a.clearedAt, severity: a.severity, key: a.key, short: a.short, long: a.long, action: a.action };
}

export function presentHost(h: HostRecord, groups: HostGroupRecord[]): Host {
  return {
    id: h.id, name: h.name, initiators: h.initiators,
    chap: h.chap ? { user: h.chap.user, mutualUser: h.chap.mutualUser ?? null } : null,
    failoverMode: h.failoverMode, hostGroups: groups.filter((g) => g.hosts.includes(h.name)).map((g) => g.name), createdAt: h.createdAt,
  };
}

export function presentHostGroup(g: HostGroupRecord): HostGroup {
  return { id: g.id, name: g.name, hosts: g.hosts, createdAt: g.createdAt };
}

export function presentEvent(e: EventRecord): Event {
  return { id: e.id, time: e.time, severity: e.severity, category: e.category, short: e.short, long: e.long, actor: e.actor };
}
