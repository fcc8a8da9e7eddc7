/** The array's event log: what changed, when, how bad, and who did it. */
import type { Store } from '../store/store.js';
import { SEVERITY_ORDER, type Severity } from '../lib/severity.js';
import type { EventRecord } from '../store/records.js';
import { ValidationError } from '../lib/errors.js';

export interface EventInput {
  severity?: Severity;
  category: string;
  short: string;
  long?: string | null;
  actor: string;
}

export interface EventQueryInput {
  limit?: number;
  /** ISO 8601 lower bound (inclusive). */
  since?: string;
  /** Minimum severity: 'warning' returns warning, error and critical. */
  severity?: string;
}

export const EVENT_LIMIT_MAX = 10000;

/** The log keeps this many newest events by default (older ones are pruned). */
export const EVENT_RETENTION = 100_000;

export class EventLog {
  constructor(private readonly store: Store, private readonly now: () => Date = () => new Date(),
    private readonly retention: number = EVENT_RETENTION) {}

  /** Appends an event (inside the caller's transaction when there is one). */
  record(e: EventInput): EventRecord {
    const rec = this.store.events.append({
      time: this.now().toISOString(), severity: e.severity ?? 'info', category: e.category,
      short: e.short, long: e.long ?? null, actor: e.actor,
    });
    if (rec.id % 1000 === 0) this.store.events.prune(this.retention);
    return rec;
  }

  query(q: EventQueryInput = {}): EventRecord[] {
    const limit = q.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > EVENT_LIMIT_MAX) {
      throw new ValidationError(`limit must be a whole number from 1 to ${EVENT_LIMIT_MAX} (got ${q.limit})`, 'limit');
    }
    if (q.severity !== undefined && !SEVERITY_ORDER.includes(q.severity as Severity)) {
      throw new ValidationError(`severity must be one of ${SEVERITY_ORDER.join(', ')} (got '${q.severity}')`, 'severity');
    }
    let since: string | undefined;
    if (q.since !== undefined) {
      const t = Date.parse(q.since);
      if (Number.isNaN(t)) throw new ValidationError(`since must be an ISO 8601 time such as 2026-11-23T10:00:00Z (got '${q.since}')`, 'since');
      since = new Date(t).toISOString();
    }
    return this.store.events.query({
      limit,
      ...(since !== undefined ? { since } : {}),
      ...(q.severity !== undefined ? { minSeverity: q.severity as Severity } : {}),
    });
  }
}
