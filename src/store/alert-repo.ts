/**
 * Alert rows: conditions that need an operator ("controller B failed: waiting for
 * operator enable"). At most one open alert per key (a partial unique index), so
 * raising the same condition twice while it is open is a no-op for the caller.
 */
import type Database from 'better-sqlite3';
import type { Severity } from '../lib/severity.js';
import type { AlertRecord } from './records.js';

/**
 * Appended to MIGRATIONS (see migrations.ts). IF NOT EXISTS keeps it correct whichever
 * position it lands at among the HA migrations added at the same time.
 */
export const ALERTS_MIGRATION = `
  CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    raised_at TEXT NOT NULL,
    cleared_at TEXT,
    severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'error', 'critical')),
    key TEXT NOT NULL,
    short TEXT NOT NULL,
    long TEXT,
    action TEXT NOT NULL
  );
  CREATE UNIQUE INDEX IF NOT EXISTS alerts_open_key ON alerts(key) WHERE cleared_at IS NULL;
`;

interface AlertRow {
  id: number; raised_at: string; cleared_at: string | null; severity: string; key: string; short: string;
  long: string | null; action: string;
}

function fromRow(r: AlertRow): AlertRecord {
  return { id: r.id, raisedAt: r.raised_at, clearedAt: r.cleared_at, severity: r.severity as Severity, key: r.key,
    short: r.short, long: r.long, action: r.action };
}

export class AlertRepo {
  constructor(private readonly db: Database.Database) {}

  /** Fails with a UNIQUE constraint error when an alert with this key is open. */
  insert(a: Omit<AlertRecord, 'id' | 'clearedAt'>): AlertRecord {
    const id = Number(this.db.prepare(
      'INSERT INTO alerts (raised_at, cleared_at, severity, key, short, long, action) VALUES (?, NULL, ?, ?, ?, ?, ?)',
    ).run(a.raisedAt, a.severity, a.key, a.short, a.long, a.action).lastInsertRowid);
    return { id, clearedAt: null, ...a };
  }

  openByKey(key: string): AlertRecord | undefined {
    const r = this.db.prepare('SELECT * FROM alerts WHERE key = ? AND cleared_at IS NULL').get(key) as AlertRow | undefined;
    return r ? fromRow(r) : undefined;
  }

  byId(id: number): AlertRecord | undefined {
    const r = this.db.prepare('SELECT * FROM alerts WHERE id = ?').get(id) as AlertRow | undefined;
    return r ? fromRow(r) : undefined;
  }

  /** Newest first; `open` only those not cleared. */
  list(q: { open?: boolean; limit?: number } = {}): AlertRecord[] {
    const where = q.open === true ? 'WHERE cleared_at IS NULL' : '';
    return (this.db.prepare(`SELECT * FROM alerts ${where} ORDER BY id DESC LIMIT ?`).all(q.limit ?? 1000) as AlertRow[]).map(fromRow);
  }

  /** Marks the alert cleared; false when it was not open. */
  clear(id: number, clearedAt: string): boolean {
    return this.db.prepare('UPDATE alerts SET cleared_at = ? WHERE id = ? AND cleared_at IS NULL').run(clearedAt, id).changes > 0;
  }
}
