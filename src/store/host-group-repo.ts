/** Host group rows and memberships. */
import type Database from 'better-sqlite3';
import type { HostGroupRecord } from './records.js';

interface GroupRow { id: number; name: string; created_at: string }

export class HostGroupRepo {
  constructor(private readonly db: Database.Database) {}

  private fromRow(r: GroupRow): HostGroupRecord {
    const hosts = (this.db.prepare(
      'SELECT h.name FROM host_group_members m JOIN hosts h ON h.id = m.host_id WHERE m.group_id = ? ORDER BY h.name',
    ).all(r.id) as Array<{ name: string }>).map((x) => x.name);
    return { id: r.id, name: r.name, hosts, createdAt: r.created_at };
  }

  insert(name: string, createdAt: string): number {
    return Number(this.db.prepare('INSERT INTO host_groups (name, created_at) VALUES (?, ?)').run(name, createdAt).lastInsertRowid);
  }

  list(): HostGroupRecord[] {
    return (this.db.prepare('SELECT * FROM host_groups ORDER BY name').all() as GroupRow[]).map((r) => this.fromRow(r));
  }

  byName(name: string): HostGroupRecord | undefined {
    const r = this.db.prepare('SELECT * FROM host_groups WHERE name = ?').get(name) as GroupRow | undefined;
    return r ? this.fromRow(r) : undefined;
  }

  /** Groups the host belongs to. */
  ofHost(hostId: number): HostGroupRecord[] {
    return (this.db.prepare(
      'SELECT g.* FROM host_groups g JOIN host_group_members m ON m.group_id = g.id WHERE m.host_id = ? ORDER BY g.name',
    ).all(hostId) as GroupRow[]).map((r) => this.fromRow(r));
  }

  addMember(groupId: number, hostId: number): void {
    this.db.prepare('INSERT INTO host_group_members (group_id, host_id) VALUES (?, ?)').run(groupId, hostId);
  }

  removeMember(groupId: number, hostId: number): boolean {
    return this.db.prepare('DELETE FROM host_group_members WHERE group_id = ? AND host_id = ?').run(groupId, hostId).changes > 0;
  }

  rename(groupId: number, name: string): void {
    this.db.prepare('UPDATE host_groups SET name = ? WHERE id = ?').run(name, groupId);
  }

  delete(groupId: number): void {
    this.db.prepare('DELETE FROM host_groups WHERE id = ?').run(groupId);
  }
}
