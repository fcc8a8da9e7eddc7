import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../lib/clock.js';
import { ControllerLease } from './lease.js';
import { openSharedStores } from './test-support/store-fixture.js';

test('two processes (two connections): renew, peer validity, fence bumps epoch and the fenced one learns at its next renewal', () => {
  const sh = openSharedStores(2);
  try {
    const clock = new ManualClock(1_700_000_000_000);
    const fencedEpochs: number[] = [];
    const a = new ControllerLease(sh.stores[0]!.leases, { name: 'A', holder: 'a-boot', clock, onFenced: (e) => fencedEpochs.push(e) });
    const b = new ControllerLease(sh.stores[1]!.leases, { name: 'B', holder: 'b-boot', clock });
    a.start();
    b.start();
    assert.equal(a.epoch, 1);
    assert.equal(b.isValid('A'), true);
    clock.advance(1000); // renewals every 200 ms keep it valid
    assert.equal(b.isValid('A'), true);
    assert.ok(a.holdsValidLease());
    assert.equal(sh.stores[1]!.leases.get('A')!.renewedAt, clock.now());

    const e = b.fence('A');
    assert.equal(e, 2);
    assert.equal(b.isValid('A'), false, 'fencing expires the lease at once');
    assert.deepEqual(fencedEpochs, []);
    clock.advance(200);
    assert.deepEqual(fencedEpochs, [2], 'A notices at its next renewal');
    assert.equal(a.isFenced, true);
    assert.equal(a.renew(), 'fenced');
    assert.equal(a.holdsValidLease(), false);
    assert.equal(b.isValid('A'), false, 'a fenced controller cannot revive its lease');
    clock.advance(2000);
    assert.deepEqual(fencedEpochs, [2], 'reported once; renewals stopped');

    // a restarted A acquires a fresh epoch
    const a2 = new ControllerLease(sh.stores[0]!.leases, { name: 'A', holder: 'a-boot-2', clock });
    assert.equal(a2.acquire().epoch, 3);
    assert.equal(b.isValid('A'), true);
    a.stop(); a2.stop(); b.stop();
  } finally {
    sh.close();
  }
});

test('a hung peer (stops renewing) loses validity after leaseMs; clean release expires at once', () => {
  const sh = openSharedStores(1);
  try {
    const clock = new ManualClock(5_000_000);
    const a = new ControllerLease(sh.stores[0]!.leases, { name: 'A', holder: 'x', clock, leaseMs: 800, renewMs: 200 });
    const b = new ControllerLease(sh.stores[0]!.leases, { name: 'B', holder: 'y', clock });
    a.start();
    clock.advance(300);
    a.stop(); // hang
    clock.advance(699); // last renewal at +200 ⇒ expires at +1000
    assert.equal(b.isValid('A'), true);
    clock.advance(2);
    assert.equal(b.isValid('A'), false);
    assert.equal(a.holdsValidLease(), false, 'A itself knows its lease lapsed');
    const c = new ControllerLease(sh.stores[0]!.leases, { name: 'C', holder: 'z', clock });
    c.start();
    assert.equal(b.isValid('C'), true);
    c.release();
    assert.equal(b.isValid('C'), false);
    assert.throws(() => new ControllerLease(sh.stores[0]!.leases, { name: 'D', holder: 'w', clock, leaseMs: 100, renewMs: 100 }), RangeError);
  } finally {
    sh.close();
  }
});

test('renewal errors are reported and retried, not fatal', () => {
  const clock = new ManualClock(0);
  const errors: unknown[] = [];
  let fail = true;
  const store = {
    acquire: (name: string, holder: string, now: number, ms: number) => ({ name, epoch: 1, renewedAt: now, expiresAt: now + ms, holder }),
    renew: () => { if (fail) throw new Error('SQLITE_BUSY'); return 'ok' as const; },
    fence: () => 2, release: () => {}, isValid: () => true, get: () => undefined,
  };
  const l = new ControllerLease(store, { name: 'A', holder: 'h', clock, onError: (e) => errors.push(e) });
  l.start();
  clock.advance(1000);
  assert.equal(errors.length, 5);
  assert.equal(l.holdsValidLease(), false);
  fail = false;
  clock.advance(200);
  assert.equal(l.holdsValidLease(), true);
  l.stop();
});
