/**
 * Mappings: make a volume visible at a LUN to a host, a host group, or every
 * initiator on a loopback portal. A LUN number is unique within every initiator's
 * view (see access.ts: lunsInUse); omitted LUNs get the lowest free number.
 */
import type { Store } from '../store/store.js';
import type { MappingRecord } from '../store/records.js';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors.js';
import type { DataPlane } from './data-plane.js';
import type { EventLog } from './event-log.js';
import { checkLun, MAX_LUN } from './validate.js';
import { AccessResolver, lunsInUse, type MappingTarget } from './access.js';
import { describeMapping, describeMappingTarget } from './describe.js';

export interface CreateMappingInput {
  volume: string;
  host?: string | undefined;
  hostGroup?: string | undefined;
  allLoopback?: boolean | undefined;
  lun?: number | undefined;
}

export class MappingService {
  private readonly access: AccessResolver;

  constructor(private readonly store: Store, private readonly dataPlane: DataPlane, private readonly events: EventLog,
    private readonly now: () => Date = () => new Date()) {
    this.access = new AccessResolver(store);
  }

  list(filter: { volume?: string | undefined } = {}): MappingRecord[] {
    if (filter.volume === undefined) return this.store.mappings.list();
    const v = this.store.volumes.byName(filter.volume);
    if (!v) throw new NotFoundError('volume', filter.volume);
    return this.store.mappings.ofVolume(v.id);
  }

  get(id: number): MappingRecord {
    const m = this.store.mappings.byId(id);
    if (!m) throw new NotFoundError('mapping', String(id));
    return m;
  }

  create(input: CreateMappingInput, actor: string): MappingRecord {
    const targets = [input.host !== undefined, input.hostGroup !== undefined, input.allLoopback === true].filter(Boolean).length;
    if (targets !== 1) {
      throw new ValidationError('give exactly one of host, hostGroup or allLoopback: true (CLI: --host, --hostgroup or --all-loopback)', 'host');
    }
    if (input.lun !== undefined) checkLun(input.lun);
    const m = this.store.transaction(() => {
      const v = this.store.volumes.byName(input.volume);
      if (!v) throw new NotFoundError('volume', input.volume);
      let target: MappingTarget;
      let hostId: number | null = null;
      let groupId: number | null = null;
      if (input.host !== undefined) {
        const h = this.store.hosts.byName(input.host);
        if (!h) throw new NotFoundError('host', input.host);
        target = { kind: 'host', hostName: h.name };
        hostId = h.id;
      } else if (input.hostGroup !== undefined) {
        const g = this.store.hostGroups.byName(input.hostGroup);
        if (!g) throw new NotFoundError('host group', input.hostGroup);
        target = { kind: 'hostGroup', hostGroupName: g.name };
        groupId = g.id;
      } else {
        target = { kind: 'allLoopback' };
      }
      const existing = this.store.mappings.ofVolume(v.id).find((x) =>
        x.kind === target.kind && x.hostName === (target.kind === 'host' ? target.hostName : null) &&
        x.hostGroupName === (target.kind === 'hostGroup' ? target.hostGroupName : null));
      if (existing) {
        throw new ConflictError(`volume '${v.name}' is already mapped to ${describeMappingTarget(existing)} (mapping ${existing.id}, LUN ${existing.lun})`);
      }
      const used = lunsInUse(this.access.snapshot(), target);
      let lun: number;
      if (input.lun !== undefined) {
        if (used.has(input.lun)) {
          throw new ConflictError(`LUN ${input.lun} is already used in the view of ${describeMappingTarget({ kind: target.kind, hostName: input.host ?? null, hostGroupName: input.hostGroup ?? null })}: pick another LUN or omit it to get the lowest free one`);
        }
        lun = input.lun;
      } else {
        lun = 0;
        while (used.has(lun)) lun++;
        if (lun > MAX_LUN) throw new ConflictError(`no free LUN left (0..${MAX_LUN}) for this target`);
      }
      const id = this.store.mappings.insert({ volumeId: v.id, kind: target.kind, hostId, groupId, lun, createdAt: this.now().toISOString() });
      const rec = this.get(id);
      this.events.record({ category: 'mapping', actor, short: `volume ${v.name} mapped to ${describeMappingTarget(rec)} as LUN ${lun} by ${actor}` });
      return rec;
    });
    this.dataPlane.accessChanged();
    return m;
  }

  delete(id: number, actor: string): void {
    this.store.transaction(() => {
      const m = this.get(id);
      this.store.mappings.delete(id);
      this.events.record({ category: 'mapping', actor, short: `${describeMapping(m)} removed by ${actor}` });
    });
    this.dataPlane.accessChanged();
  }
}
