import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSharedStores } from './test-support/store-fixture.js';
import { ControllerLease } from './lease.js';
import { ManualClock } from '../lib/clock.js';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { applyMoves } from './ownership-persist.js';
import { failback, modelFromRecords, takeOverAll } from './ownership.js';

test('volume_ownership: insert, CAS trespass bumps epoch, stale epoch refused, cascade on volume delete', () => {
  const sh = openSharedStores(1);
  try {
    const s = sh.stores[0]!;
    const v1 = sh.addVolume('v1');
    assert.deepEqual(s.ownership.missing(), [v1]);
    const rec = s.ownership.insert({ volumeId: v1, preferredOwner: 'A', autoTrespass: true }, 10);
    assert.deepEqual(s.ownership.missing(), []);
    assert.deepEqual(rec, { volumeId: v1, preferredOwner: 'A', currentOwner: 'A', epoch: 1, autoTrespass: true, updatedAt: 10 });
    const t = s.ownership.compareAndSetOwner(v1, 'B', 1, 20);
    assert.ok(t.ok && t.record.currentOwner === 'B' && t.record.epoch === 2 && t.record.preferredOwner === 'A');
    const stale = s.ownership.compareAndSetOwner(v1, 'A', 1, 30);
    assert.ok(!stale.ok && stale.reason === 'stale-epoch' && stale.current?.epoch === 2);
    const nf = s.ownership.compareAndSetOwner('nope', 'A', 1, 30);
    assert.ok(!nf.ok && nf.reason === 'not-found');
    assert.equal(s.ownership.setPreferredOwner(v1, 'B', 40), true);
    assert.equal(s.ownership.setAutoTrespass(v1, false, 40), true);
    assert.deepEqual(s.ownership.ownedBy('B').map((r) => [r.preferredOwner, r.autoTrespass]), [['B', false]]);
    assert.throws(() => s.ownership.insert({ volumeId: 'no-such-volume', preferredOwner: 'A' }, 1), /FOREIGN KEY/);
    s.volumes.delete(v1);
    assert.equal(s.ownership.list().length, 0);
  } finally {
    sh.close();
  }
});

test('two Store connections on one file race to take over the same volume: exactly one wins', () => {
  const sh = openSharedStores(2);
  try {
    const [a, b] = sh.stores as [typeof sh.stores[0], typeof sh.stores[0]];
    const ids = ['v1', 'v2', 'v3'].map((n) => sh.addVolume(n));
    for (const id of ids) a!.ownership.insert({ volumeId: id, preferredOwner: 'C' }, 1);
    for (const id of ids) {
      // both controllers read the same epoch, then both try to take the volume
      const seenA = a!.ownership.get(id)!.epoch;
      const seenB = b!.ownership.get(id)!.epoch;
      const ra = a!.ownership.compareAndSetOwner(id, 'A', seenA, 2);
      const rb = b!.ownership.compareAndSetOwner(id, 'B', seenB, 2);
      assert.equal([ra.ok, rb.ok].filter(Boolean).length, 1);
      assert.equal(a!.ownership.get(id)!.currentOwner, 'A');
      assert.equal(b!.ownership.get(id)!.epoch, 2);
    }
  } finally {
    sh.close();
  }
});

test('takeOverAll is one transaction and refuses a fenced caller (lease guard)', () => {
  const sh = openSharedStores(2);
  try {
    const [sa, sb] = sh.stores;
    const clock = new ManualClock(1_000_000);
    const la = new ControllerLease(sa!.leases, { name: 'A', holder: 'a', clock });
    const lb = new ControllerLease(sb!.leases, { name: 'B', holder: 'b', clock });
    la.acquire(); lb.acquire();
    const ids = ['v1', 'v2', 'v3'].map((n) => sh.addVolume(n));
    sa!.ownership.insert({ volumeId: ids[0]!, preferredOwner: 'A' }, 1);
    sa!.ownership.insert({ volumeId: ids[1]!, preferredOwner: 'A' }, 1);
    sa!.ownership.insert({ volumeId: ids[2]!, preferredOwner: 'B' }, 1);

    // A was cut off and, believing B dead, fences B; B (fenced) tries to take over A: refused.
    la.fence('B');
    const now = clock.now();
    const byB = sb!.ownership.takeOverAll('A', 'B', now, { controller: 'B', leaseEpoch: lb.epoch! });
    assert.deepEqual(byB, { ok: false, reason: 'fenced' });
    const casB = sb!.ownership.compareAndSetOwner(ids[0]!, 'B', 1, now, { controller: 'B', leaseEpoch: lb.epoch! });
    assert.ok(!casB.ok && casB.reason === 'fenced');
    assert.deepEqual(sa!.ownership.ownedBy('B').map((r) => r.volumeId), [ids[2]]);

    const byA = sa!.ownership.takeOverAll('B', 'A', now, { controller: 'A', leaseEpoch: la.epoch! });
    assert.ok(byA.ok);
    assert.deepEqual(byA.moved.map((r) => [r.volumeId, r.currentOwner, r.epoch]), [[ids[2], 'A', 2]]);
    assert.equal(sb!.ownership.ownedBy('A').length, 3);
    // an expired lease is as good as fenced
    clock.advance(10_000);
    const late = sa!.ownership.takeOverAll('A', 'B', clock.now(), { controller: 'A', leaseEpoch: la.epoch! });
    assert.deepEqual(late, { ok: false, reason: 'fenced' });
  } finally {
    sh.close();
  }
});

test('applyMoves persists a pure failback all-or-nothing; a stale epoch rolls every move back', () => {
  const sh = openSharedStores(2);
  try {
    const [sa, sb] = sh.stores;
    const ids = ['v1', 'v2', 'v3'].map((n) => sh.addVolume(n));
    for (const id of ids) sa!.ownership.insert({ volumeId: id, preferredOwner: 'A' }, 0);
    const m0 = modelFromRecords(['A', 'B'], sa!.ownership.list());
    const t = takeOverAll(m0, 'A', 'B');
    assert.ok(t.ok);
    const w = applyMoves(sa!, t.moves, 1);
    assert.ok(w.ok && w.records.length === 3 && w.records.every((r) => r.currentOwner === 'B' && r.epoch === 2));
    // failback computed from a model, but another process trespassed v2 meanwhile
    const fb = failback(modelFromRecords(['A', 'B'], sb!.ownership.list()), 'A');
    assert.ok(fb.ok && fb.moves.length === 3);
    assert.ok(sb!.ownership.compareAndSetOwner(ids[1]!, 'A', 2, 2).ok);
    const res = applyMoves(sa!, fb.moves, 3);
    assert.ok(!res.ok && res.reason === 'stale-epoch' && res.move.volumeId === ids[1]);
    assert.deepEqual(sa!.ownership.list().map((r) => [r.currentOwner, r.epoch]), [['B', 2], ['A', 3], ['B', 2]], 'v1 rolled back');
  } finally {
    sh.close();
  }
});

test('two real processes race to take over 100 volumes from the same epoch: each volume has exactly one winner', async (t) => {
  const sh = openSharedStores(1);
  try {
    const s = sh.stores[0]!;
    const ids = Array.from({ length: 100 }, (_, i) => sh.addVolume(`r${i}`));
    s.transaction(() => { for (const id of ids) s.ownership.insert({ volumeId: id, preferredOwner: 'C' }, 0); });
    const child = fileURLToPath(new URL('./test-support/ownership-race-child.js', import.meta.url));
    const procs = ['A', 'B'].map((n) => fork(child, [sh.dir, n], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    await Promise.all(procs.map((p) => once(p, 'message')));
    const results = procs.map((p) => once(p, 'message').then(([m]: unknown[]) => (m as { won: string[] }).won));
    // start together, walking the list from opposite ends, so that they collide in the middle
    const at = Date.now() + 50;
    procs.forEach((p, i) => p.send({ ids, reverse: i === 1, at }));
    const [wonA, wonB] = await Promise.all(results);
    await Promise.all(procs.map((p) => (p.exitCode === null ? once(p, 'exit') : undefined)));
    t.diagnostic(`race: A won ${wonA!.length}, B won ${wonB!.length}`);
    assert.equal(wonA!.length + wonB!.length, 100, 'every volume taken exactly once');
    assert.equal(new Set([...wonA!, ...wonB!]).size, 100, 'no volume taken by both');
    for (const r of s.ownership.list()) {
      assert.equal(r.epoch, 2);
      assert.equal(r.currentOwner, wonA!.includes(r.volumeId) ? 'A' : 'B');
    }
  } finally {
    sh.close();
  }
});
