import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Store } from './store.js';
import { newNaa, serialFromId, TANDEM_COMPANY_ID } from './identifiers.js';
import { SCHEMA_VERSION } from './migrations.js';
import type { VolumeRecord } from './records.js';

function vol(name: string, over: Partial<VolumeRecord> = {}): VolumeRecord {
  const id = `00000000-0000-4000-8000-${name.padStart(12, '0')}`;
  return { id, name, sizeBytes: 1 << 20, blockSize: 512, thin: true, backing: 'memory', path: null, naa: newNaa(),
    serial: serialFromId(id), writeProtected: false, createdAt: '2026-11-23T00:00:00.000Z', ...over };
}

test('NAA designator: type 6, Tandem company id, 16 bytes, random tail', () => {
  const a = newNaa();
  assert.match(a, /^6[0-9a-f]{31}$/);
  const b = Buffer.from(a, 'hex');
  const cid = ((b[0]! & 0x0f) << 20) | (b[1]! << 12) | (b[2]! << 4) | (b[3]! >> 4);
  assert.equal(cid, TANDEM_COMPANY_ID);
  assert.notEqual(a, newNaa());
});

test('store round-trips every record kind and survives reopen', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-store-'));
  try {
    const s = Store.open(dir);
    const ident = s.identity;
    assert.match(ident.targetIqn, /^iqn\.2026-11\.io\.tandem:[0-9a-f]{12}$/);
    const v = vol('v1', { backing: 'file', path: '/x/v1.vol', blockSize: 4096 });
    s.transaction(() => s.volumes.insert(v));
    s.luState.save(v.id, { prState: '{"aptpl":true}', spc2Holder: null, mode: null }, [], 1);
    const hid = s.hosts.insert({ name: 'h1', chap: { user: 'u', secret: 'secretsecret', mutualUser: 'm', mutualSecret: 'othersecret1' }, failoverMode: null, createdAt: 'now' });
    s.hosts.addInitiator(hid, 'iqn.1994-05.com.redhat:abc');
    const gid = s.hostGroups.insert('g1', 'now');
    s.hostGroups.addMember(gid, hid);
    const mid = s.mappings.insert({ volumeId: v.id, kind: 'host', hostId: hid, groupId: null, lun: 3, createdAt: 'now' });
    s.events.append({ time: '2026-11-23T00:00:00.000Z', severity: 'warning', category: 'volume', short: 'x', long: null, actor: 'test' });
    s.close();
    assert.ok(existsSync(join(dir, 'tandem.db')));

    const r = Store.open(dir);
    assert.deepEqual(r.identity, ident);
    assert.deepEqual(r.volumes.byName('v1'), v);
    assert.equal(r.luState.get(v.id)?.prState, '{"aptpl":true}');
    const h = r.hosts.byInitiator('iqn.1994-05.com.redhat:abc');
    assert.equal(h?.name, 'h1');
    assert.deepEqual(h?.chap, { user: 'u', secret: 'secretsecret', mutualUser: 'm', mutualSecret: 'othersecret1' });
    assert.deepEqual(r.hostGroups.byName('g1')?.hosts, ['h1']);
    assert.equal(r.mappings.byId(mid)?.lun, 3);
    assert.equal(r.mappings.byId(mid)?.hostName, 'h1');
    assert.equal(r.events.query({ minSeverity: 'warning' }).length, 1);
    assert.equal(r.events.query({ minSeverity: 'error' }).length, 0);
    // cascade: deleting the volume drops its mappings
    r.volumes.delete(v.id);
    assert.equal(r.mappings.list().length, 0);
    r.close();

    const raw = new Database(join(dir, 'tandem.db'));
    assert.equal(raw.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
    raw.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failed transaction leaves nothing behind', () => {
  const s = Store.openFile(':memory:');
  assert.throws(() => s.transaction(() => {
    s.volumes.insert(vol('a'));
    throw new Error('boom');
  }), /boom/);
  assert.equal(s.volumes.list().length, 0);
  s.close();
});

test('uniqueness: volume names, NAA, initiators, LUN per target', () => {
  const s = Store.openFile(':memory:');
  const a = vol('a');
  s.volumes.insert(a);
  assert.throws(() => s.volumes.insert({ ...vol('b'), naa: a.naa }), /UNIQUE/);
  assert.throws(() => s.volumes.insert({ ...vol('c'), id: 'other', serial: 'S2', name: 'a' }), /UNIQUE/);
  const h1 = s.hosts.insert({ name: 'h1', chap: null, failoverMode: null, createdAt: 'now' });
  const h2 = s.hosts.insert({ name: 'h2', chap: null, failoverMode: null, createdAt: 'now' });
  s.hosts.addInitiator(h1, 'iqn.2000-01.x:a');
  assert.throws(() => s.hosts.addInitiator(h2, 'iqn.2000-01.x:a'), /UNIQUE|PRIMARY/);
  const b = vol('b');
  s.volumes.insert(b);
  s.mappings.insert({ volumeId: a.id, kind: 'host', hostId: h1, groupId: null, lun: 0, createdAt: 'now' });
  assert.throws(() => s.mappings.insert({ volumeId: b.id, kind: 'host', hostId: h1, groupId: null, lun: 0, createdAt: 'now' }), /UNIQUE/);
  assert.throws(() => s.mappings.insert({ volumeId: a.id, kind: 'host', hostId: h1, groupId: null, lun: 1, createdAt: 'now' }), /UNIQUE/);
  s.close();
});

test('refuses a database from a newer Tandem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-store-'));
  try {
    const raw = new Database(join(dir, 'tandem.db'));
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    assert.throws(() => Store.open(dir), /newer than this Tandem build/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('settings: JSON values per key survive a reopen; set replaces; delete removes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-settings-'));
  try {
    let s = Store.open(dir);
    assert.equal(s.settings.get('cluster-policy'), undefined);
    s.settings.set('cluster-policy', { failback: 'auto', failbackDelayMs: 5 });
    s.settings.set('cluster-policy', { failback: 'auto', failbackDelayMs: 7 });
    s.close();
    s = Store.open(dir);
    assert.deepEqual(s.settings.get('cluster-policy'), { failback: 'auto', failbackDelayMs: 7 });
    s.settings.delete('cluster-policy');
    assert.equal(s.settings.get('cluster-policy'), undefined);
    s.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
