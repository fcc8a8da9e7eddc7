/**
 * The state hosts set on each logical unit (docs/ha.md «LU state belongs to the array»,
 * «What is persisted where»): one `lu_state` row per volume — persistent reservations,
 * the SPC-2 RESERVE holder, the current mode values, each as the SCSI core encodes it
 * (src/scsi/lu-state.ts; this layer stores text and never reads it) — and the unit
 * attentions that must outlive their I_T nexus (`lu_unit_attention`, the PR conditions
 * for a registration's nexus, until it is reported to it).
 *
 * Every controller reads it when it opens a volume, takes one over or gets one back; only
 * the volume's current owner writes it, and before the command that changed it
 * completes: save() with a guard applies only while the guard's controller is the
 * volume's current owner in `volume_ownership` and its lease in `controller_lease` is
 * current and unexpired — checked in the same IMMEDIATE transaction, so a controller
 * that lost the volume, or was fenced, changes nothing. Power on of the whole array
 * rewrites every row in one transaction (powerOn()).
 */
import type Database from 'better-sqlite3';
import type { LeaseGuard } from './ownership-repo.js';

export const LU_STATE_MIGRATION = `
  CREATE TABLE lu_state (
    volume_id TEXT PRIMARY KEY REFERENCES volumes(id) ON DELETE CASCADE,
    pr_state TEXT,
    spc2_holder TEXT,
    mode TEXT,
    writer TEXT,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE lu_unit_attention (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    volume_id TEXT NOT NULL REFERENCES volumes(id) ON DELETE CASCADE,
    initiator_port TEXT NOT NULL,
    target_port TEXT NOT NULL,
    reason TEXT NOT NULL,
    UNIQUE (volume_id, initiator_port, target_port, reason)
  );
  INSERT INTO lu_state (volume_id, pr_state, updated_at) SELECT id, pr_state, 0 FROM volumes WHERE pr_state IS NOT NULL;
  ALTER TABLE volumes DROP COLUMN pr_state;
`;

/** The stored parts of one LU state (JSON text each; null = never set). */
export interface LuStateParts {
  readonly prState: string | null;
  readonly spc2Holder: string | null;
  readonly mode: string | null;
}

export interface LuStateRecord extends LuStateParts {
  readonly volumeId: string;
  /** The controller that wrote it last (null: a single-controller array, or power on). */
  readonly writer: string | null;
  /** ms since the Unix epoch. */
  readonly updatedAt: number;
}

export interface LuUaRecord {
  readonly id: number;
  readonly volumeId: string;
  readonly initiatorPort: string;
  readonly targetPort: string;
  readonly reason: string;
}

/** At most this many kept unit attentions per volume: the oldest go first (registrations of nexuses that never return). */
export const MAX_KEPT_UAS_PER_VOLUME = 256;

interface Row { volume_id: string; pr_state: string | null; spc2_holder: string | null; mode: string | null; writer: string | null; updated_at: number }
const fromRow = (r: Row): LuStateRecord => ({
  volumeId: r.volume_id, prState: r.pr_state, spc2Holder: r.spc2_holder, mode: r.mode, writer: r.writer, updatedAt: r.updated_at,
});
interface UaRow { id: number; volume_id: string; initiator_port: string; target_port: string; reason: string }
const uaFromRow = (r: UaRow): LuUaRecord => ({ id: r.id, volumeId: r.volume_id, initiatorPort: r.initiator_port, targetPort: r.target_port, reason: r.reason });

const OWNER_SQL = `EXISTS (SELECT 1 FROM volume_ownership WHERE volume_id = ? AND current_owner = ?)
  AND EXISTS (SELECT 1 FROM controller_lease WHERE name = ? AND epoch = ? AND expires_at > ?)`;

export class LuStateRepo {
  constructor(private readonly db: Database.Database) {}

  get(volumeId: string): LuStateRecord | undefined {
    const r = this.db.prepare('SELECT * FROM lu_state WHERE volume_id = ?').get(volumeId) as Row | undefined;
    return r ? fromRow(r) : undefined;
  }

  list(): LuStateRecord[] {
    return (this.db.prepare('SELECT * FROM lu_state ORDER BY volume_id').all() as Row[]).map(fromRow);
  }

  /**
   * Saves the LU state of a volume and keeps `uas` for their nexuses, in one IMMEDIATE
   * transaction; with a guard, only while `guard.controller` owns the volume with a current
   * lease ('not-owner' otherwise: nothing is written).
   */
  save(volumeId: string, parts: LuStateParts, uas: ReadonlyArray<Omit<LuUaRecord, 'id' | 'volumeId'>>, now: number, guard?: LeaseGuard): 'saved' | 'not-owner' {
    return this.db.transaction((): 'saved' | 'not-owner' => {
      if (guard && !this.db.prepare(`SELECT ${OWNER_SQL} AS ok`).pluck().get(volumeId, guard.controller, guard.controller, guard.leaseEpoch, now)) return 'not-owner';
      this.db.prepare(
        `INSERT INTO lu_state (volume_id, pr_state, spc2_holder, mode, writer, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(volume_id) DO UPDATE SET pr_state = excluded.pr_state, spc2_holder = excluded.spc2_holder,
           mode = excluded.mode, writer = excluded.writer, updated_at = excluded.updated_at`,
      ).run(volumeId, parts.prState, parts.spc2Holder, parts.mode, guard?.controller ?? null, now);
      if (uas.length > 0) {
        const ins = this.db.prepare('INSERT OR IGNORE INTO lu_unit_attention (volume_id, initiator_port, target_port, reason) VALUES (?, ?, ?, ?)');
        for (const u of uas) ins.run(volumeId, u.initiatorPort, u.targetPort, u.reason);
        this.db.prepare(
          `DELETE FROM lu_unit_attention WHERE volume_id = ? AND id NOT IN
             (SELECT id FROM lu_unit_attention WHERE volume_id = ? ORDER BY id DESC LIMIT ${MAX_KEPT_UAS_PER_VOLUME})`,
        ).run(volumeId, volumeId);
      }
      return 'saved';
    }).immediate();
  }

  /** The unit attentions kept for a volume, oldest first. */
  keptUas(volumeId: string): LuUaRecord[] {
    return (this.db.prepare('SELECT * FROM lu_unit_attention WHERE volume_id = ? ORDER BY id').all(volumeId) as UaRow[]).map(uaFromRow);
  }

  /** Reported (or replaced): gone. */
  deleteUas(ids: readonly number[]): void {
    if (ids.length === 0) return;
    const del = this.db.prepare('DELETE FROM lu_unit_attention WHERE id = ?');
    this.db.transaction(() => { for (const id of ids) del.run(id); }).immediate();
  }

  /**
   * Power on of the whole array: every row becomes `after(row)` and every kept unit
   * attention goes (a power on replaces them, SAM-5 §5.14), in one IMMEDIATE transaction.
   * Returns the rows as they were.
   */
  powerOn(after: (r: LuStateRecord) => LuStateParts, now: number): LuStateRecord[] {
    return this.db.transaction((): LuStateRecord[] => {
      const before = this.list();
      const upd = this.db.prepare('UPDATE lu_state SET pr_state = ?, spc2_holder = ?, mode = ?, writer = NULL, updated_at = ? WHERE volume_id = ?');
      for (const r of before) {
        const p = after(r);
        upd.run(p.prState, p.spc2Holder, p.mode, now, r.volumeId);
      }
      this.db.prepare('DELETE FROM lu_unit_attention').run();
      return before;
    }).immediate();
  }
}
