/** Mapping rows: volume → (host | host group | every loopback initiator) at a LUN. */
import type Database from 'better-sqlite3';
import type { MappingRecord, MappingTargetKind } from './records.js';

interface MappingRow {
  id: number; volume_id: string; volume_name: string; kind: string; host_name: string | null;
  group_name: string | null; lun: number; created_at: string;
}

const SELECT = `SELECT m.id, m.volume_id, v.name AS volume_name, m.kind, h.name AS host_name, g.name AS group_name,
  m.lun, m.created_at FROM mappings m JOIN volumes v ON v.id = m.volume_id
  LEFT JOIN hosts h ON h.id = m.host_id LEFT JOIN host_groups g ON g.id = m.group_id`;

function fromRow(r: MappingRow): MappingRecord {
  return {
    id: r.id, volumeId: r.volume_id, volumeName: r.volume_name, kind: r.kind as MappingTargetKind,
    hostName: r.host_name, hostGroupName: r.group_name, lun: r.lun, createdAt: r.created_at,
  };
}

export class MappingRepo {
  constructor(private readonly db: Database.Database) {}

  insert(m: { volumeId: string; kind: MappingTargetKind; hostId: number | null; groupId: number | null; lun: number; createdAt: string }): number {
    const key = m.kind === 'host' ? `host:${m.hostId}` : m.kind === 'hostGroup' ? `group:${m.groupId}` : 'all-loopback';
    return Number(this.db.prepare(
      `INSERT INTO mappings (volume_id, kind, host_id, group_id, target_key, lun, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(m.volumeId, m.kind, m.hostId, m.groupId, key, m.lun, m.createdAt).lastInsertRowid);
  }

  list(): MappingRecord[] {
    return (this.db.prepare(`${SELECT} ORDER BY m.id`).all() as MappingRow[]).map(fromRow);
  }

  byId(id: number): MappingRecord | undefined {
    const r = this.db.prepare(`${SELECT} WHERE m.id = ?`).get(id) as MappingRow | undefined;
    return r ? fromRow(r) : undefined;
  }

  ofVolume(volumeId: string): MappingRecord[] {
    return (this.db.prepare(`${SELECT} WHERE m.volume_id = ? ORDER BY m.id`).all(volumeId) as MappingRow[]).map(fromRow);
  }

  delete(id: number): boolean {
    return this.db.prepare('DELETE FROM mappings WHERE id = ?').run(id).changes > 0;
  }
}
