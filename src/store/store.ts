/**
 * The crash-safe state store: one SQLite database, `<dataDir>/tandem.db`.
 *
 * Durability: WAL journal with synchronous=FULL, so a committed transaction survives
 * a kill of the process (and a power cut) at any moment; every change the control
 * plane makes runs inside one transaction (`transaction(fn)`), so a crash leaves
 * either the whole change or none of it. Foreign keys cascade deletes of mappings
 * and memberships.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { migrate } from './migrations.js';
import { newArrayId, targetIqnFor } from './identifiers.js';
import type { ArrayIdentity } from './records.js';
import { VolumeRepo } from './volume-repo.js';
import { HostRepo } from './host-repo.js';
import { HostGroupRepo } from './host-group-repo.js';
import { MappingRepo } from './mapping-repo.js';
import { EventRepo } from './event-repo.js';
import { AlertRepo } from './alert-repo.js';
import { LeaseRepo } from './lease-repo.js';
import { LuStateRepo } from './lu-state-repo.js';
import { OwnershipRepo } from './ownership-repo.js';
import { SettingsRepo } from './settings-repo.js';

export const STATE_DB_FILE = 'tandem.db';

export interface StoreOptions {
  now?: () => Date;
  /** Hold the database lock for the life of the store (one daemon per data directory). */
  exclusive?: boolean;
  /** How long to wait for a lock held by another process (default 5000 ms). */
  busyTimeoutMs?: number;
}

export class Store {
  readonly identity: ArrayIdentity;
  readonly volumes: VolumeRepo;
  readonly hosts: HostRepo;
  readonly hostGroups: HostGroupRepo;
  readonly mappings: MappingRepo;
  readonly events: EventRepo;
  readonly alerts: AlertRepo;
  /** Controller leases (HA fencing epochs). */
  readonly leases: LeaseRepo;
  /** Volume ownership (preferred/current owner, compare-and-set on epoch). */
  readonly ownership: OwnershipRepo;
  /** Run-time settings kept across restarts (JSON per key). */
  readonly settings: SettingsRepo;
  /** The LU state hosts set (PR, SPC-2 holder, mode values) and the unit attentions kept for it. */
  readonly luState: LuStateRepo;
  private closed = false;

  private constructor(private readonly db: Database.Database, now: () => Date, exclusive: boolean) {
    // Exclusive locking keeps a second daemon from opening the same data directory.
    if (exclusive) db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    this.identity = this.loadOrCreateIdentity(now);
    this.volumes = new VolumeRepo(db);
    this.hosts = new HostRepo(db);
    this.hostGroups = new HostGroupRepo(db);
    this.mappings = new MappingRepo(db);
    this.events = new EventRepo(db);
    this.alerts = new AlertRepo(db);
    this.leases = new LeaseRepo(db);
    this.ownership = new OwnershipRepo(db);
    this.settings = new SettingsRepo(db);
    this.luState = new LuStateRepo(db);
  }

  /**
   * Opens (creating when absent) `<dataDir>/tandem.db`. With `exclusive: true` the
   * process holds the database lock until close(), so a second opener fails with
   * "database is locked" (after busyTimeoutMs) instead of sharing the state.
   */
  static open(dataDir: string, opts: StoreOptions = {}): Store {
    mkdirSync(dataDir, { recursive: true });
    return Store.openFile(join(dataDir, STATE_DB_FILE), opts);
  }

  /** Opens a database file directly; ':memory:' gives a throwaway store for tests. */
  static openFile(file: string, opts: StoreOptions = {}): Store {
    const db = new Database(file, { timeout: opts.busyTimeoutMs ?? 5000 });
    try {
      return new Store(db, opts.now ?? (() => new Date()), opts.exclusive ?? false);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  private loadOrCreateIdentity(now: () => Date): ArrayIdentity {
    return this.db.transaction((): ArrayIdentity => {
      const row = this.db.prepare('SELECT array_id, target_iqn, created_at FROM array_identity WHERE singleton = 1').get() as
        { array_id: string; target_iqn: string; created_at: string } | undefined;
      if (row) return { arrayId: row.array_id, targetIqn: row.target_iqn, createdAt: row.created_at };
      const arrayId = newArrayId();
      const id: ArrayIdentity = { arrayId, targetIqn: targetIqnFor(arrayId), createdAt: now().toISOString() };
      this.db.prepare('INSERT INTO array_identity (singleton, array_id, target_iqn, created_at) VALUES (1, ?, ?, ?)')
        .run(id.arrayId, id.targetIqn, id.createdAt);
      return id;
    }).immediate();
  }

  /** Runs fn in one IMMEDIATE transaction (nested calls become savepoints). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
