/**
 * Alerts: conditions that need an operator, each with the action that resolves it
 * ("controller B failed: waiting for operator enable" → "tandem controller enable B").
 *
 * A condition has a stable key ("controller-failed:B"). raise() is idempotent while the
 * alert with that key is open (a runtime may raise on every tick); clear() closes it,
 * and a later raise() opens a new one. Raising and clearing are logged as events.
 * Safe across processes: check-and-insert runs in one IMMEDIATE transaction and the
 * store keeps at most one open alert per key.
 */
import type { Store } from '../store/store.js';
import type { Severity } from '../lib/severity.js';
import type { AlertRecord } from '../store/records.js';
import { NotFoundError, ValidationError } from '../lib/errors.js';
import type { EventLog } from './event-log.js';

export interface AlertInput {
  /** Default 'error'. */
  severity?: Severity;
  short: string;
  long?: string | null;
  /** What the operator should do. */
  action: string;
}

const KEY_RE = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$/;

export class AlertService {
  constructor(private readonly store: Store, private readonly events: EventLog, private readonly now: () => Date = () => new Date()) {}

  /** Opens the alert unless one with this key is open; returns the open alert either way. */
  raise(key: string, a: AlertInput, actor = 'array'): AlertRecord {
    if (!KEY_RE.test(key)) throw new ValidationError(`alert key '${key}' is not valid: 1-128 characters [A-Za-z0-9._:/@-]`, 'key');
    if (a.short.trim() === '') throw new ValidationError('an alert needs a short description', 'short');
    if (a.action.trim() === '') throw new ValidationError('an alert needs an action telling the operator what to do', 'action');
    return this.store.transaction(() => {
      const open = this.store.alerts.openByKey(key);
      if (open) return open;
      const rec = this.store.alerts.insert({
        raisedAt: this.now().toISOString(), severity: a.severity ?? 'error', key, short: a.short, long: a.long ?? null, action: a.action,
      });
      this.events.record({ severity: rec.severity, category: 'alert', actor, short: `alert raised: ${rec.short}`,
        long: `${rec.long !== null ? `${rec.long}\n` : ''}Action: ${rec.action}` });
      return rec;
    });
  }

  /** Closes the open alert with this key; undefined when none was open. */
  clear(key: string, actor = 'array'): AlertRecord | undefined {
    return this.store.transaction(() => {
      const open = this.store.alerts.openByKey(key);
      return open ? this.close(open, actor) : undefined;
    });
  }

  /** Closes an alert by id (an operator acknowledging it); a cleared alert is returned as it is. */
  clearById(id: number, actor: string): AlertRecord {
    return this.store.transaction(() => {
      const a = this.store.alerts.byId(id);
      if (!a) throw new NotFoundError('alert', String(id));
      return a.clearedAt === null ? this.close(a, actor) : a;
    });
  }

  isOpen(key: string): boolean {
    return this.store.alerts.openByKey(key) !== undefined;
  }

  /** Newest first. */
  list(q: { open?: boolean } = {}): AlertRecord[] {
    return this.store.alerts.list({ open: q.open ?? false });
  }

  private close(a: AlertRecord, actor: string): AlertRecord {
    const clearedAt = this.now().toISOString();
    this.store.alerts.clear(a.id, clearedAt);
    this.events.record({ severity: 'info', category: 'alert', actor, short: `alert cleared by ${actor}: ${a.short}` });
    return { ...a, clearedAt };
  }
}
