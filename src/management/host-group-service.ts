/** Host groups: a named set of hosts that share mappings (a cluster). */
import type { Store } from '../store/store.js';
import type { HostGroupRecord } from '../store/records.js';
import { ConflictError, NotFoundError } from '../lib/errors.js';
import type { DataPlane } from './data-plane.js';
import type { EventLog } from './event-log.js';
import { checkName } from './validate.js';
import { describeMapping } from './describe.js';
import { AccessResolver, membershipLunClashes } from './access.js';

export class HostGroupService {
  private readonly access: AccessResolver;

  constructor(private readonly store: Store, private readonly dataPlane: DataPlane, private readonly events: EventLog,
    private readonly now: () => Date = () => new Date()) {
    this.access = new AccessResolver(store);
  }

  list(): HostGroupRecord[] {
    return this.store.hostGroups.list();
  }

  get(name: string): HostGroupRecord {
    const g = this.store.hostGroups.byName(name);
    if (!g) throw new NotFoundError('host group', name);
    return g;
  }

  create(input: { name: string; hosts?: string[] }, actor: string): HostGroupRecord {
    checkName(input.name);
    const hosts = [...new Set(input.hosts ?? [])];
    const g = this.store.transaction(() => {
      if (this.store.hostGroups.byName(input.name)) throw new ConflictError(`host group '${input.name}' already exists: choose another name`);
      const ids = hosts.map((h) => {
        const rec = this.store.hosts.byName(h);
        if (!rec) throw new NotFoundError('host', h);
        return rec.id;
      });
      const id = this.store.hostGroups.insert(input.name, this.now().toISOString());
      for (const hid of ids) this.store.hostGroups.addMember(id, hid);
      this.events.record({ category: 'hostgroup', actor, short: `host group ${input.name} created with ${hosts.length} host(s) by ${actor}` });
      return this.get(input.name);
    });
    if (hosts.length > 0) this.dataPlane.accessChanged();
    return g;
  }

  rename(name: string, newName: string, actor: string): HostGroupRecord {
    checkName(newName);
    return this.store.transaction(() => {
      const g = this.get(name);
      if (newName === name) return g;
      if (this.store.hostGroups.byName(newName)) throw new ConflictError(`host group '${newName}' already exists: choose another name`);
      this.store.hostGroups.rename(g.id, newName);
      this.events.record({ category: 'hostgroup', actor, short: `host group ${name} renamed to ${newName} by ${actor}` });
      return this.get(newName);
    });
  }

  delete(name: string, opts: { force?: boolean }, actor: string): void {
    this.store.transaction(() => {
      const g = this.get(name);
      const maps = this.store.mappings.list().filter((m) => m.kind === 'hostGroup' && m.hostGroupName === name);
      if (maps.length > 0 && opts.force !== true) {
        throw new ConflictError(`host group '${name}' still has mappings: ${maps.map(describeMapping).join('; ')}. Delete them first, or pass force (CLI: --force)`);
      }
      this.store.hostGroups.delete(g.id);
      this.events.record({ category: 'hostgroup', actor, short: `host group ${name} deleted by ${actor}` });
    });
    this.dataPlane.accessChanged();
  }

  addMember(name: string, hostName: string, actor: string): HostGroupRecord {
    const g = this.store.transaction(() => {
      const g = this.get(name);
      const h = this.store.hosts.byName(hostName);
      if (!h) throw new NotFoundError('host', hostName);
      if (g.hosts.includes(hostName)) return g;
      const clashes = membershipLunClashes(this.access.snapshot(), hostName, name);
      if (clashes.length > 0) {
        throw new ConflictError(`host '${hostName}' already sees LUN(s) ${clashes.join(', ')} that host group '${name}' also maps: move one of the mappings to a free LUN first`);
      }
      this.store.hostGroups.addMember(g.id, h.id);
      this.events.record({ category: 'hostgroup', actor, short: `host ${hostName} added to host group ${name} by ${actor}` });
      return this.get(name);
    });
    this.dataPlane.accessChanged();
    return g;
  }

  removeMember(name: string, hostName: string, actor: string): HostGroupRecord {
    const g = this.store.transaction(() => {
      const g = this.get(name);
      const h = this.store.hosts.byName(hostName);
      if (!h || !g.hosts.includes(hostName)) throw new NotFoundError(`member of host group '${name}'`, hostName);
      this.store.hostGroups.removeMember(g.id, h.id);
      this.events.record({ category: 'hostgroup', actor, short: `host ${hostName} removed from host group ${name} by ${actor}` });
      return this.get(name);
    });
    this.dataPlane.accessChanged();
    return g;
  }
}
