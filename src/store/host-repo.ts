/** Host rows and their initiator names. */
import type Database from 'better-sqlite3';
import type { ChapCredentials, HostRecord } from './records.js';

interface HostRow {
  id: number; name: string; chap_user: string | null; chap_secret: string | null; mutual_user: string | null;
  mutual_secret: string | null; failover_mode: number | null; created_at: string;
}

export class HostRepo {
  constructor(private readonly db: Database.Database) {}

  private fromRow(r: HostRow): HostRecord {
    const initiators = (this.db.prepare('SELECT initiator FROM host_initiators WHERE host_id = ? ORDER BY initiator')
      .all(r.id) as Array<{ initiator: string }>).map((x) => x.initiator);
    let chap: ChapCredentials | null = null;
    if (r.chap_user !== null && r.chap_secret !== null) {
      chap = { user: r.chap_user, secret: r.chap_secret };
      if (r.mutual_user !== null && r.mutual_secret !== null) {
        chap.mutualUser = r.mutual_user;
        chap.mutualSecret = r.mutual_secret;
      }
    }
    return { id: r.id, name: r.name, initiators, chap, failoverMode: r.failover_mode, createdAt: r.created_at };
  }

  insert(h: { name: string; chap: ChapCredentials | null; failoverMode: number | null; createdAt: string }): number {
    const res = this.db.prepare(
      `INSERT INTO hosts (name, chap_user, chap_secret, mutual_user, mutual_secret, failover_mode, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(h.name, h.chap?.user ?? null, h.chap?.secret ?? null, h.chap?.mutualUser ?? null,
      h.chap?.mutualSecret ?? null, h.failoverMode, h.createdAt);
    return Number(res.lastInsertRowid);
  }

  list(): HostRecord[] {
    return (this.db.prepare('SELECT * FROM hosts ORDER BY name').all() as HostRow[]).map((r) => this.fromRow(r));
  }

  byName(name: string): HostRecord | undefined {
    const r = this.db.prepare('SELECT * FROM hosts WHERE name = ?').get(name) as HostRow | undefined;
    return r ? this.fromRow(r) : undefined;
  }

  byInitiator(initiator: string): HostRecord | undefined {
    const r = this.db.prepare(
      'SELECT h.* FROM hosts h JOIN host_initiators i ON i.host_id = h.id WHERE i.initiator = ?',
    ).get(initiator) as HostRow | undefined;
    return r ? this.fromRow(r) : undefined;
  }

  addInitiator(hostId: number, initiator: string): void {
    this.db.prepare('INSERT INTO host_initiators (initiator, host_id) VALUES (?, ?)').run(initiator, hostId);
  }

  removeInitiator(hostId: number, initiator: string): boolean {
    return this.db.prepare('DELETE FROM host_initiators WHERE initiator = ? AND host_id = ?').run(initiator, hostId).changes > 0;
  }

  setChap(hostId: number, chap: ChapCredentials | null): void {
    this.db.prepare(
      'UPDATE hosts SET chap_user = ?, chap_secret = ?, mutual_user = ?, mutual_secret = ? WHERE id = ?',
    ).run(chap?.user ?? null, chap?.secret ?? null, chap?.mutualUser ?? null, chap?.mutualSecret ?? null, hostId);
  }

  /** 0..4 (VNX failover mode) or null = the array default. */
  setFailoverMode(hostId: number, mode: number | null): void {
    this.db.prepare('UPDATE hosts SET failover_mode = ? WHERE id = ?').run(mode, hostId);
  }

  rename(hostId: number, name: string): void {
    this.db.prepare('UPDATE hosts SET name = ? WHERE id = ?').run(name, hostId);
  }

  delete(hostId: number): void {
    this.db.prepare('DELETE FROM hosts WHERE id = ?').run(hostId);
  }
}
