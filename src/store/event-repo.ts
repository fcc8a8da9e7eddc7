/** The event log table: append and query, newest first. */
import type Database from 'better-sqlite3';
import { SEVERITY_ORDER, type Severity } from '../lib/severity.js';
import type { EventRecord } from './records.js';

export interface EventQuery {
  /** At most this many events (default 100). */
  limit?: number;
  /** Only events at or after this ISO time. */
  since?: string;
  /** Only events at least this severe. */
  minSeverity?: Severity;
}

export class EventRepo {
  constructor(private readonly db: Database.Database) {}

  append(e: Omit<EventRecord, 'id'>): EventRecord {
    const id = Number(this.db.prepare(
      'INSERT INTO events (time, severity, category, short, long, actor) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(e.time, e.severity, e.category, e.short, e.long, e.actor).lastInsertRowid);
    return { id, ...e };
  }

  /** Deletes all but the newest `keep` events; returns how many went. */
  prune(keep: number): number {
    return this.db.prepare('DELETE FROM events WHERE id <= (SELECT MAX(id) FROM events) - ?').run(keep).changes;
  }

  query(q: EventQuery = {}): EventRecord[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (q.since !== undefined) { where.push('time >= ?'); args.push(q.since); }
    if (q.minSeverity !== undefined) {
      const allowed = SEVERITY_ORDER.slice(SEVERITY_ORDER.indexOf(q.minSeverity));
      where.push(`severity IN (${allowed.map(() => '?').join(', ')})`);
      args.push(...allowed);
    }
    args.push(q.limit ?? 100);
    const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return this.db.prepare(sql).all(...args) as EventRecord[];
  }
}
