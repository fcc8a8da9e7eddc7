/**
 * Volume ownership rows (docs/ha.md "Ownership and ALUA"): preferred and current owner
 * per volume, with an epoch bumped on every change of current owner. Changes are
 * compare-and-set on the epoch, optionally guarded by the caller's controller lease
 * (its epoch must be current and unexpired), so two controller processes can never
 * both take the same volume from the same epoch, and a fenced controller can take none.
 */
import type Database from 'better-sqlite3';

export const VOLUME_OWNERSHIP_SQL = `
  CREATE TABLE volume_ownership (
    volume_id TEXT PRIMARY KEY REFERENCES volumes(id) ON DELETE CASCADE,
    preferred_owner TEXT NOT NULL,
    current_owner TEXT NOT NULL,
    epoch INTEGER NOT NULL DEFAULT 1 CHECK (epoch >= 1),
    auto_trespass INTEGER NOT NULL DEFAULT 0 CHECK (auto_trespass IN (0, 1)),
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX volume_ownership_current ON volume_ownership(current_owner);
`;

export interface OwnershipRecord {
  readonly volumeId: string;
  readonly preferredOwner: string;
  readonly currentOwner: string;
  readonly epoch: number;
  readonly autoTrespass: boolean;
  /** ms since the Unix epoch. */
  readonly updatedAt: number;
}

/** The caller's controller lease: the change applies only while it is current and unexpired. */
export interface LeaseGuard {
  readonly controller: string;
  readonly leaseEpoch: number;
}

export type OwnershipCasResult =
  | { readonly ok: true; readonly record: OwnershipRecord }
  | { readonly ok: false; readonly reason: 'not-found' | 'stale-epoch' | 'fenced'; readonly current?: OwnershipRecord };

interface Row { volume_id: string; preferred_owner: string; current_owner: string; epoch: number; auto_trespass: number; updated_at: number }
const fromRow = (r: Row): OwnershipRecord => ({
  volumeId: r.volume_id, preferredOwner: r.preferred_owner, currentOwner: r.current_owner, epoch: r.epoch,
  autoTrespass: r.auto_trespass === 1, updatedAt: r.updated_at,
});

const GUARD_SQL = 'EXISTS (SELECT 1 FROM controller_lease WHERE name = ? AND epoch = ? AND expires_at > ?)';

export class OwnershipRepo {
  constructor(private readonly db: Database.Database) {}

  insert(v: { volumeId: string; preferredOwner: string; currentOwner?: string; autoTrespass?: boolean }, now: number): OwnershipRecord {
    const r = this.db.prepare(
      `INSERT INTO volume_ownership (volume_id, preferred_owner, current_owner, epoch, auto_trespass, updated_at)
       VALUES (?, ?, ?, 1, ?, ?) RETURNING *`,
    ).get(v.volumeId, v.preferredOwner, v.currentOwner ?? v.preferredOwner, v.autoTrespass ? 1 : 0, now) as Row;
    return fromRow(r);
  }

  get(volumeId: string): OwnershipRecord | undefined {
    const r = this.db.prepare('SELECT * FROM volume_ownership WHERE volume_id = ?').get(volumeId) as Row | undefined;
    return r ? fromRow(r) : undefined;
  }

  list(): OwnershipRecord[] {
    return (this.db.prepare('SELECT * FROM volume_ownership ORDER BY volume_id').all() as Row[]).map(fromRow);
  }

  /** Volumes that have no ownership row yet (created before this table, or by an older build). */
  missing(): string[] {
    return this.db.prepare('SELECT v.id FROM volumes v LEFT JOIN volume_ownership o ON o.volume_id = v.id WHERE o.volume_id IS NULL ORDER BY v.id')
      .pluck().all() as string[];
  }

  ownedBy(controller: string): OwnershipRecord[] {
    return (this.db.prepare('SELECT * FROM volume_ownership WHERE current_owner = ? ORDER BY volume_id').all(controller) as Row[]).map(fromRow);
  }

  /**
   * Trespass: sets current_owner = to and epoch = expectedEpoch + 1 only if the row is
   * still at expectedEpoch (and, with a guard, the caller's lease is current).
   */
  compareAndSetOwner(volumeId: string, to: string, expectedEpoch: number, now: number, guard?: LeaseGuard): OwnershipCasResult {
    const sql = `UPDATE volume_ownership SET current_owner = ?, epoch = epoch + 1, updated_at = ?
       WHERE volume_id = ? AND epoch = ?${guard ? ` AND ${GUARD_SQL}` : ''} RETURNING *`;
    const args: Array<string | number> = [to, now, volumeId, expectedEpoch];
    if (guard) args.push(guard.controller, guard.leaseEpoch, now);
    const r = this.db.prepare(sql).get(...args) as Row | undefined;
    if (r) return { ok: true, record: fromRow(r) };
    const current = this.get(volumeId);
    if (!current) return { ok: false, reason: 'not-found' };
    if (current.epoch !== expectedEpoch) return { ok: false, reason: 'stale-epoch', current };
    return { ok: false, reason: 'fenced', current };
  }

  /**
   * Controller takeover in one IMMEDIATE transaction: every volume owned by `from`
   * moves to `to` (epoch + 1). With a guard whose lease is not current, nothing moves
   * and 'fenced' is returned.
   */
  takeOverAll(from: string, to: string, now: number, guard?: LeaseGuard): { ok: true; moved: OwnershipRecord[] } | { ok: false; reason: 'fenced' } {
    return this.db.transaction(() => {
      if (guard && !this.db.prepare(`SELECT ${GUARD_SQL} AS g`).pluck().get(guard.controller, guard.leaseEpoch, now)) {
        return { ok: false as const, reason: 'fenced' as const };
      }
      const moved = (this.db.prepare(
        'UPDATE volume_ownership SET current_owner = ?, epoch = epoch + 1, updated_at = ? WHERE current_owner = ? RETURNING *',
      ).all(to, now, from) as Row[]).map(fromRow).sort((a, b) => (a.volumeId < b.volumeId ? -1 : 1));
      return { ok: true as const, moved };
    }).immediate();
  }

  /** Changes the preferred owner only (`tandem volume move` also trespasses via compareAndSetOwner). */
  setPreferredOwner(volumeId: string, owner: string, now: number): boolean {
    return this.db.prepare('UPDATE volume_ownership SET preferred_owner = ?, updated_at = ? WHERE volume_id = ?').run(owner, now, volumeId).changes === 1;
  }

  setAutoTrespass(volumeId: string, on: boolean, now: number): boolean {
    return this.db.prepare('UPDATE volume_ownership SET auto_trespass = ?, updated_at = ? WHERE volume_id = ?').run(on ? 1 : 0, now, volumeId).changes === 1;
  }

  delete(volumeId: string): void {
    this.db.prepare('DELETE FROM volume_ownership WHERE volume_id = ?').run(volumeId);
  }
}
