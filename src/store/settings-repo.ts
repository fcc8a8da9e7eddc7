/**
 * Array-wide settings that operators change at run time and that must survive a
 * restart (the cluster failover/failback policy, per-controller ipFailover): one JSON
 * value per key. Validation is the caller's (src/control); this only stores.
 */
import type Database from 'better-sqlite3';

/** Appended to MIGRATIONS (see migrations.ts). */
export const SETTINGS_MIGRATION = `
  CREATE TABLE IF NOT EXISTS settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
`;

export class SettingsRepo {
  constructor(private readonly db: Database.Database) {}

  get<T>(key: string): T | undefined {
    const r = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return r ? (JSON.parse(r.value) as T) : undefined;
  }

  set(key: string, value: unknown, now: number = Date.now()): void {
    this.db.prepare('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at')
      .run(key, JSON.stringify(value), now);
  }

  delete(key: string): void {
    this.db.prepare('DELETE FROM settings WHERE key = ?').run(key);
  }
}
