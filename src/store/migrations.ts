/**
 * Schema migrations. Each entry moves the schema from version i to i+1 and runs in
 * the same transaction as the bump of `PRAGMA user_version`, so a kill at any moment
 * leaves the database at a whole version. Never edit a released migration: append one.
 */
import { SETTINGS_MIGRATION } from './settings-repo.js';
import type Database from 'better-sqlite3';
import { ALERTS_MIGRATION } from './alert-repo.js';
import { CONTROLLER_LEASE_SQL } from './lease-repo.js';
import { LU_STATE_MIGRATION } from './lu-state-repo.js';
import { VOLUME_OWNERSHIP_SQL } from './ownership-repo.js';

export const MIGRATIONS: readonly string[] = [
  // v1: identity, volumes, hosts, host groups, mappings, events.
  `
  CREATE TABLE array_identity (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    array_id TEXT NOT NULL,
    target_iqn TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE volumes (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    size_bytes INTEGER NOT NULL CHECK (size_bytes > 0),
    block_size INTEGER NOT NULL CHECK (block_size IN (512, 4096)),
    thin INTEGER NOT NULL,
    backing TEXT NOT NULL CHECK (backing IN ('file', 'memory')),
    path TEXT,
    naa TEXT NOT NULL UNIQUE,
    serial TEXT NOT NULL UNIQUE,
    write_protected INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    pr_state TEXT
  );
  CREATE TABLE hosts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    chap_user TEXT,
    chap_secret TEXT,
    mutual_user TEXT,
    mutual_secret TEXT,
    failover_mode INTEGER,
    created_at TEXT NOT NULL
  );
  CREATE TABLE host_initiators (
    initiator TEXT PRIMARY KEY,
    host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE
  );
  CREATE TABLE host_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
  );
  CREATE TABLE host_group_members (
    group_id INTEGER NOT NULL REFERENCES host_groups(id) ON DELETE CASCADE,
    host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, host_id)
  );
  CREATE TABLE mappings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    volume_id TEXT NOT NULL REFERENCES volumes(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('host', 'hostGroup', 'allLoopback')),
    host_id INTEGER REFERENCES hosts(id) ON DELETE CASCADE,
    group_id INTEGER REFERENCES host_groups(id) ON DELETE CASCADE,
    target_key TEXT NOT NULL,
    lun INTEGER NOT NULL CHECK (lun BETWEEN 0 AND 16383),
    created_at TEXT NOT NULL,
    UNIQUE (volume_id, target_key),
    UNIQUE (target_key, lun)
  );
  CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'error', 'critical')),
    category TEXT NOT NULL,
    short TEXT NOT NULL,
    long TEXT,
    actor TEXT NOT NULL
  );
  CREATE INDEX events_time ON events(time);
  `,
  // alerts needing an operator (HA control plane).
  ALERTS_MIGRATION,
  // controller leases and volume ownership (HA: fencing epochs, compare-and-set trespass).
  CONTROLLER_LEASE_SQL + VOLUME_OWNERSHIP_SQL,
  // run-time settings (cluster policy, ipFailover) that survive a restart.
  SETTINGS_MIGRATION,
  // LU state of every volume (PR, SPC-2 holder, mode values) and the unit attentions kept
  // for a registration's nexus; the APTPL-only volumes.pr_state moves there.
  LU_STATE_MIGRATION,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the database to SCHEMA_VERSION. Refuses a database newer than this code. */
export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(
      `state database schema version ${current} is newer than this Tandem build understands (${SCHEMA_VERSION}); upgrade Tandem`,
    );
  }
  for (let v = current; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
