// lu_state and lu_unit_attention (lu-state-repo.ts): saves guarded by ownership and lease
// in one transaction, kept unit attentions (deduplicated, bounded), power on, and the
// migration that moves the old APTPL-only volumes.pr_state there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { newNaa, serialFromId } from './identifiers.js';
import { MAX_KEPT_UAS_PER_VOLUME } from './lu-state-repo.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
import type { VolumeRecord } from './records.js';
import { Store } from './store.js';

function vol(name: string): VolumeRecord {
  const id = `00000000-0000-4000-8000-${name.padStart(12, '0')}`;
  return { id, name, sizeBytes: 1 << 20, blockSize: 512, thin: true, backing: 'memory', path: null, naa: newNaa(), serial: serialFromId(id), writeProtected: false, createdAt: 'now' };
}

const PARTS = { prState: '{"pr":1}', spc2Holder: 'i|t', mode: '{"wce":false}' };

function storeWithVolume(): { s: Store; v: VolumeRecord } {
  const s = Store.openFile(':memory:');
  const v = vol('v1');
  s.transaction(() => s.volumes.insert(v));
  return { s, v };
}

test('save without a guard (one controller) writes; get and list read it back; deleting the volume deletes it', () => {
  const { s, v } = storeWithVolume();
  assert.equal(s.luState.get(v.id), undefined);
  assert.equal(s.luState.save(v.id, PARTS, [], 5), 'saved');
  assert.deepEqual(s.luState.get(v.id), { volumeId: v.id, ...PARTS, writer: null, updatedAt: 5 });
  assert.equal(s.luState.list().length, 1);
  s.transaction(() => s.volumes.delete(v.id));
  assert.equal(s.luState.get(v.id), undefined);
});

test('a guarded save applies only for the current owner with a current, unexpired lease — else nothing is written', () => {
  const { s, v } = storeWithVolume();
  const now = 1_000_000;
  s.ownership.insert({ volumeId: v.id, preferredOwner: 'A' }, now);
  const a = s.leases.acquire('A', 'pid:1', now, 800);
  const b = s.leases.acquire('B', 'pid:2', now, 800);
  assert.equal(s.luState.save(v.id, PARTS, [], now + 1, { controller: 'B', leaseEpoch: b.epoch }), 'not-owner', 'B does not own it');
  assert.equal(s.luState.get(v.id), undefined);
  assert.equal(s.luState.save(v.id, PARTS, [], now + 1, { controller: 'A', leaseEpoch: a.epoch }), 'saved');
  assert.equal(s.luState.get(v.id)?.writer, 'A');
  assert.equal(s.luState.save(v.id, { ...PARTS, spc2Holder: null }, [], now + 900, { controller: 'A', leaseEpoch: a.epoch }), 'not-owner', 'lease expired');
  s.leases.fence('A', now + 2);
  assert.equal(s.luState.save(v.id, { ...PARTS, spc2Holder: null }, [], now + 3, { controller: 'A', leaseEpoch: a.epoch }), 'not-owner', 'fenced');
  assert.equal(s.luState.get(v.id)?.spc2Holder, 'i|t', 'none of the refused saves wrote anything');
});

test('kept unit attentions: saved with the state, once per nexus and reason, oldest dropped past the bound, deleted by id', () => {
  const { s, v } = storeWithVolume();
  const ua = (i: number) => ({ initiatorPort: `iqn.h,i,0x${i}`, targetPort: 'iqn.t,t,0x0001', reason: 'UaRegistrationsPreempted' });
  s.luState.save(v.id, PARTS, [ua(1), ua(1), ua(2)], 1);
  assert.deepEqual(s.luState.keptUas(v.id).map((u) => u.initiatorPort), ['iqn.h,i,0x1', 'iqn.h,i,0x2']);
  s.luState.deleteUas([s.luState.keptUas(v.id)[0]!.id]);
  assert.deepEqual(s.luState.keptUas(v.id).map((u) => u.initiatorPort), ['iqn.h,i,0x2']);
  s.luState.save(v.id, PARTS, Array.from({ length: MAX_KEPT_UAS_PER_VOLUME + 10 }, (_, i) => ua(100 + i)), 2);
  const kept = s.luState.keptUas(v.id);
  assert.equal(kept.length, MAX_KEPT_UAS_PER_VOLUME);
  assert.equal(kept.at(-1)!.initiatorPort, `iqn.h,i,0x${100 + MAX_KEPT_UAS_PER_VOLUME + 9}`, 'the newest stay');
});

test('power on rewrites every row in one transaction, drops every kept unit attention and returns the rows as they were', () => {
  const { s, v } = storeWithVolume();
  s.luState.save(v.id, PARTS, [{ initiatorPort: 'i', targetPort: 't', reason: 'UaReservationsReleased' }], 1);
  const before = s.luState.powerOn((r) => ({ prState: r.prState, spc2Holder: null, mode: null }), 9);
  assert.deepEqual(before.map((r) => r.spc2Holder), ['i|t']);
  assert.deepEqual(s.luState.get(v.id), { volumeId: v.id, prState: PARTS.prState, spc2Holder: null, mode: null, writer: null, updatedAt: 9 });
  assert.deepEqual(s.luState.keptUas(v.id), []);
});

test('migration: the APTPL state an older build kept in volumes.pr_state moves to lu_state, and the column goes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-lu-migrate-'));
  try {
    const file = join(dir, 'tandem.db');
    const db = new Database(file);
    const lu = MIGRATIONS.findIndex((m) => m.includes('CREATE TABLE lu_state'));
    assert.equal(lu, SCHEMA_VERSION - 1, 'the last migration');
    for (let i = 0; i < lu; i++) db.exec(MIGRATIONS[i]!);
    db.pragma(`user_version = ${lu}`);
    db.prepare(`INSERT INTO volumes (id, name, size_bytes, block_size, thin, backing, naa, serial, created_at, pr_state) VALUES ('v1', 'a', 1048576, 512, 1, 'memory', 'n1', 's1', 'now', '{"aptpl":true}')`).run();
    db.prepare(`INSERT INTO volumes (id, name, size_bytes, block_size, thin, backing, naa, serial, created_at, pr_state) VALUES ('v2', 'b', 1048576, 512, 1, 'memory', 'n2', 's2', 'now', NULL)`).run();
    db.close();
    const s = Store.openFile(file);
    assert.equal(s.luState.get('v1')?.prState, '{"aptpl":true}');
    assert.equal(s.luState.get('v2'), undefined);
    assert.equal(s.volumes.byId('v1')?.name, 'a');
    s.close();
    const raw = new Database(file);
    assert.ok(!(raw.prepare('PRAGMA table_info(volumes)').all() as Array<{ name: string }>).some((c) => c.name === 'pr_state'));
    raw.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
