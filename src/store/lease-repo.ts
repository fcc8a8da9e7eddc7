/**
 * Controller leases (docs/ha.md "Failure detection, fencing, takeover"): one row per
 * controller. A controller renews its row every renewMs, pushing expires_at leaseMs
 * ahead; a fencer bumps the epoch, after which the fenced process's renewals fail
 * (compare on epoch) and it must stop serving. Times are ms since the Unix epoch (all
 * processes share one host clock). Every method is one SQL statement, hence atomic
 * across processes sharing the database file.
 */
import type Database from 'better-sqlite3';

export const CONTROLLER_LEASE_SQL = `
  CREATE TABLE controller_lease (
    name TEXT PRIMARY KEY,
    epoch INTEGER NOT NULL CHECK (epoch >= 1),
    renewed_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    holder TEXT
  );
`;

export interface LeaseRecord {
  readonly name: string;
  readonly epoch: number;
  /** ms since the Unix epoch. */
  readonly renewedAt: number;
  readonly expiresAt: number;
  /** Incarnation (boot id) of the holder; null after fencing or release. */
  readonly holder: string | null;
}

interface LeaseRow { name: string; epoch: number; renewed_at: number; expires_at: number; holder: string | null }
const fromRow = (r: LeaseRow): LeaseRecord => ({ name: r.name, epoch: r.epoch, renewedAt: r.renewed_at, expiresAt: r.expires_at, holder: r.holder });

export type LeaseRenewOutcome = 'ok' | 'fenced';

export class LeaseRepo {
  constructor(private readonly db: Database.Database) {}

  get(name: string): LeaseRecord | undefined {
    const r = this.db.prepare('SELECT * FROM controller_lease WHERE name = ?').get(name) as LeaseRow | undefined;
    return r ? fromRow(r) : undefined;
  }

  list(): LeaseRecord[] {
    return (this.db.prepare('SELECT * FROM controller_lease ORDER BY name').all() as LeaseRow[]).map(fromRow);
  }

  /**
   * Takes the lease for a (re)starting controller process. Always bumps the epoch
   * (1 for a new row), so any older process of the same name is fenced out.
   */
  acquire(name: string, holder: string, now: number, leaseMs: number): LeaseRecord {
    const r = this.db.prepare(
      `INSERT INTO controller_lease (name, epoch, renewed_at, expires_at, holder) VALUES (?, 1, ?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET epoch = epoch + 1, renewed_at = excluded.renewed_at,
         expires_at = excluded.expires_at, holder = excluded.holder
       RETURNING *`,
    ).get(name, now, now + leaseMs, holder) as LeaseRow;
    return fromRow(r);
  }

  /** Extends the lease if `epoch` is still current; 'fenced' otherwise. */
  renew(name: string, epoch: number, now: number, leaseMs: number): LeaseRenewOutcome {
    const n = this.db.prepare('UPDATE controller_lease SET renewed_at = ?, expires_at = ? WHERE name = ? AND epoch = ?')
      .run(now, now + leaseMs, name, epoch).changes;
    return n === 1 ? 'ok' : 'fenced';
  }

  /** Bumps the epoch and expires the lease at once; returns the new epoch. */
  fence(name: string, now: number): number {
    const r = this.db.prepare(
      `INSERT INTO controller_lease (name, epoch, renewed_at, expires_at, holder) VALUES (?, 1, ?, ?, NULL)
       ON CONFLICT(name) DO UPDATE SET epoch = epoch + 1, expires_at = MIN(expires_at, excluded.expires_at), holder = NULL
       RETURNING epoch`,
    ).get(name, now, now) as { epoch: number };
    return r.epoch;
  }

  /** Clean shutdown: expire the lease now if `epoch` is still ours. */
  release(name: string, epoch: number, now: number): void {
    this.db.prepare('UPDATE controller_lease SET expires_at = MIN(expires_at, ?), holder = NULL WHERE name = ? AND epoch = ?').run(now, name, epoch);
  }

  isValid(name: string, now: number): boolean {
    const r = this.db.prepare('SELECT expires_at FROM controller_lease WHERE name = ?').get(name) as { expires_at: number } | undefined;
    return r !== undefined && r.expires_at > now;
  }
}
