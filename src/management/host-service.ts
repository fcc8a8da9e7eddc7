/** Hosts: a name, the initiator names it logs in with, optional CHAP credentials. */
import type { Store } from '../store/store.js';
import type { ChapCredentials, HostRecord } from '../store/records.js';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors.js';
import { checkFailoverMode, failoverModeText } from '../cluster/index.js';
import type { DataPlane } from './data-plane.js';
import type { EventLog } from './event-log.js';
import { checkChapSecret, checkChapUser, checkInitiatorName, checkName } from './validate.js';
import { describeMapping } from './describe.js';

export interface ChapInput {
  user: string;
  secret: string;
  mutualUser?: string | undefined;
  mutualSecret?: string | undefined;
}

export interface CreateHostInput {
  name: string;
  initiators?: string[];
  chap?: ChapInput | undefined;
}

export function checkChap(c: ChapInput): ChapCredentials {
  const out: ChapCredentials = { user: checkChapUser(c.user, 'chap.user'), secret: checkChapSecret(c.secret, 'chap.secret') };
  if ((c.mutualUser === undefined) !== (c.mutualSecret === undefined)) {
    throw new ValidationError('mutual CHAP needs both chap.mutualUser and chap.mutualSecret (or neither)', 'chap.mutualSecret');
  }
  if (c.mutualUser !== undefined && c.mutualSecret !== undefined) {
    out.mutualUser = checkChapUser(c.mutualUser, 'chap.mutualUser');
    out.mutualSecret = checkChapSecret(c.mutualSecret, 'chap.mutualSecret');
    // RFC 7143 §12.1.3: a secret used to authenticate initiators must not also be
    // configured to authenticate targets (and vice versa).
    if (out.mutualSecret === out.secret) {
      throw new ValidationError('chap.mutualSecret must differ from chap.secret (RFC 7143 §12.1.3 forbids reusing a secret in both directions)', 'chap.mutualSecret');
    }
  }
  return out;
}

export class HostService {
  constructor(private readonly store: Store, private readonly dataPlane: DataPlane, private readonly events: EventLog,
    private readonly now: () => Date = () => new Date()) {}

  list(): HostRecord[] {
    return this.store.hosts.list();
  }

  get(name: string): HostRecord {
    const h = this.store.hosts.byName(name);
    if (!h) throw new NotFoundError('host', name);
    return h;
  }

  private checkInitiatorFree(initiator: string): void {
    const owner = this.store.hosts.byInitiator(initiator);
    if (owner) throw new ConflictError(`initiator ${initiator} already belongs to host '${owner.name}': remove it there first`);
  }

  create(input: CreateHostInput, actor: string): HostRecord {
    checkName(input.name);
    const initiators = [...new Set((input.initiators ?? []).map((i, n) => checkInitiatorName(i, `initiators[${n}]`)))];
    const chap = input.chap ? checkChap(input.chap) : null;
    const h = this.store.transaction(() => {
      if (this.store.hosts.byName(input.name)) throw new ConflictError(`host '${input.name}' already exists: choose another name`);
      initiators.forEach((i) => this.checkInitiatorFree(i));
      const id = this.store.hosts.insert({ name: input.name, chap, failoverMode: null, createdAt: this.now().toISOString() });
      for (const i of initiators) this.store.hosts.addInitiator(id, i);
      this.events.record({ category: 'host', actor,
        short: `host ${input.name} created with ${initiators.length} initiator(s)${chap ? ' and CHAP' : ''} by ${actor}` });
      return this.get(input.name);
    });
    this.dataPlane.accessChanged();
    return h;
  }

  rename(name: string, newName: string, actor: string): HostRecord {
    checkName(newName);
    return this.store.transaction(() => {
      const h = this.get(name);
      if (newName === name) return h;
      if (this.store.hosts.byName(newName)) throw new ConflictError(`host '${newName}' already exists: choose another name`);
      this.store.hosts.rename(h.id, newName);
      this.events.record({ category: 'host', actor, short: `host ${name} renamed to ${newName} by ${actor}` });
      return this.get(newName);
    });
  }

  /**
   * How the array treats this host's I/O on a controller that does not own the volume
   * (VNX failover modes 0..4); null = the array default (cluster policy defaultFailoverMode).
   * Applies to the host's next command; the data plane reads it from the store.
   */
  setFailoverMode(name: string, mode: number | null, actor: string): HostRecord {
    const m = mode === null ? null : checkFailoverMode(mode);
    let changed = false;
    const updated = this.store.transaction(() => {
      const h = this.get(name);
      if (h.failoverMode === m) return h;
      this.store.hosts.setFailoverMode(h.id, m);
      this.events.record({ category: 'host', actor,
        short: `failover mode of host ${name} set to ${m === null ? 'the array default' : failoverModeText(m)} by ${actor}`,
        long: h.failoverMode === null ? 'was: the array default' : `was: ${failoverModeText(h.failoverMode)}` });
      changed = true;
      return this.get(name);
    });
    // Lets the data plane drop what it cached about the host; the LUN inventory is the
    // same, so no initiator gets REPORTED LUNS DATA HAS CHANGED.
    if (changed) this.dataPlane.accessChanged();
    return updated;
  }

  /** PATCH semantics: rename and/or set the failover mode. */
  update(name: string, patch: { name?: string | undefined; failoverMode?: number | null | undefined }, actor: string): HostRecord {
    if (patch.name === undefined && patch.failoverMode === undefined) {
      throw new ValidationError('nothing to change: pass name and/or failoverMode', 'name');
    }
    if (patch.failoverMode !== undefined && patch.failoverMode !== null) checkFailoverMode(patch.failoverMode);
    if (patch.name !== undefined) checkName(patch.name);
    return this.store.transaction(() => {
      let h = this.get(name);
      if (patch.name !== undefined) h = this.rename(name, patch.name, actor);
      if (patch.failoverMode !== undefined) h = this.setFailoverMode(h.name, patch.failoverMode, actor);
      return h;
    });
  }

  delete(name: string, opts: { force?: boolean }, actor: string): void {
    this.store.transaction(() => {
      const h = this.get(name);
      const maps = this.store.mappings.list().filter((m) => m.kind === 'host' && m.hostName === name);
      if (maps.length > 0 && opts.force !== true) {
        throw new ConflictError(`host '${name}' still has mappings: ${maps.map(describeMapping).join('; ')}. Delete them first, or pass force (CLI: --force)`);
      }
      this.store.hosts.delete(h.id);
      this.events.record({ category: 'host', actor, short: `host ${name} deleted by ${actor}${maps.length ? ` (with ${maps.length} mapping(s))` : ''}` });
    });
    this.dataPlane.accessChanged();
  }

  addInitiator(name: string, initiator: string, actor: string): HostRecord {
    const i = checkInitiatorName(initiator, 'initiator');
    const h = this.store.transaction(() => {
      const h = this.get(name);
      if (h.initiators.includes(i)) return h;
      this.checkInitiatorFree(i);
      this.store.hosts.addInitiator(h.id, i);
      this.events.record({ category: 'host', actor, short: `initiator ${i} added to host ${name} by ${actor}` });
      return this.get(name);
    });
    this.dataPlane.accessChanged();
    return h;
  }

  removeInitiator(name: string, initiator: string, actor: string): HostRecord {
    const h = this.store.transaction(() => {
      const h = this.get(name);
      const i = initiator.trim().toLowerCase();
      const found = h.initiators.find((x) => x.toLowerCase() === i);
      if (!found) throw new NotFoundError(`initiator of host '${name}'`, initiator);
      this.store.hosts.removeInitiator(h.id, found);
      this.events.record({ category: 'host', actor, short: `initiator ${found} removed from host ${name} by ${actor}` });
      return this.get(name);
    });
    this.dataPlane.accessChanged();
    return h;
  }

  /** New CHAP credentials apply from the next login. */
  setChap(name: string, chap: ChapInput, actor: string): HostRecord {
    const c = checkChap(chap);
    return this.store.transaction(() => {
      const h = this.get(name);
      this.store.hosts.setChap(h.id, c);
      this.events.record({ category: 'host', actor, short: `CHAP ${c.mutualUser ? '(mutual) ' : ''}set on host ${name} by ${actor}` });
      return this.get(name);
    });
  }

  clearChap(name: string, actor: string): HostRecord {
    return this.store.transaction(() => {
      const h = this.get(name);
      this.store.hosts.setChap(h.id, null);
      this.events.record({ severity: 'warning', category: 'host', actor, short: `CHAP cleared on host ${name} by ${actor}` });
      return this.get(name);
    });
  }
}
