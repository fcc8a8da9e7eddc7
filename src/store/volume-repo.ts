/** Volume rows. Callers wrap multi-step changes in Store.transaction(). */
import type Database from 'better-sqlite3';
import type { BlockSize, Backing, VolumeRecord } from './records.js';

interface VolumeRow {
  id: string; name: string; size_bytes: number; block_size: number; thin: number; backing: string;
  path: string | null; naa: string; serial: string; write_protected: number; created_at: string;
}

function fromRow(r: VolumeRow): VolumeRecord {
  return {
    id: r.id, name: r.name, sizeBytes: r.size_bytes, blockSize: r.block_size as BlockSize, thin: r.thin === 1,
    backing: r.backing as Backing, path: r.path, naa: r.naa, serial: r.serial, writeProtected: r.write_protected === 1,
    createdAt: r.created_at,
  };
}

export class VolumeRepo {
  constructor(private readonly db: Database.Database) {}

  insert(v: VolumeRecord): void {
    this.db.prepare(
      `INSERT INTO volumes (id, name, size_bytes, block_size, thin, backing, path, naa, serial, write_protected, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(v.id, v.name, v.sizeBytes, v.blockSize, v.thin ? 1 : 0, v.backing, v.path, v.naa, v.serial,
      v.writeProtected ? 1 : 0, v.createdAt);
  }

  list(): VolumeRecord[] {
    return (this.db.prepare('SELECT * FROM volumes ORDER BY name').all() as VolumeRow[]).map(fromRow);
  }

  byName(name: string): VolumeRecord | undefined {
    const r = this.db.prepare('SELECT * FROM volumes WHERE name = ?').get(name) as VolumeRow | undefined;
    return r ? fromRow(r) : undefined;
  }

  byId(id: string): VolumeRecord | undefined {
    const r = this.db.prepare('SELECT * FROM volumes WHERE id = ?').get(id) as VolumeRow | undefined;
    return r ? fromRow(r) : undefined;
  }

  naaExists(naa: string): boolean {
    return this.db.prepare('SELECT 1 FROM volumes WHERE naa = ?').get(naa) !== undefined;
  }

  setSize(id: string, sizeBytes: number): void {
    this.db.prepare('UPDATE volumes SET size_bytes = ? WHERE id = ?').run(sizeBytes, id);
  }

  setWriteProtected(id: string, wp: boolean): void {
    this.db.prepare('UPDATE volumes SET write_protected = ? WHERE id = ?').run(wp ? 1 : 0, id);
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM volumes WHERE id = ?').run(id);
  }
}
