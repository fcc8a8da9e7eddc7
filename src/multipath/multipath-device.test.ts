import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MultipathDevice } from './multipath-device.js';
import { MultipathIoError } from './classify.js';
import { groupPathsByIdentity } from './probe.js';
import { formatStatus } from './status.js';
import { FakeLun } from './test-support/fake-lun.js';
import { FakePath } from './test-support/fake-path.js';
import { block, drive, makeLunAndPaths, makeRig, NAA, settle } from './test-support/harness.js';
import { ManualClock } from '../lib/clock.js';

test('grouping: paths form devices by NAA, falling back to the unit serial', async () => {
  const clock = new ManualClock();
  const a = new FakeLun({ naa: NAA, serial: 'S1', groups: [{ id: 1, state: 'active-optimized' }] });
  const b = new FakeLun({ naa: '60014059999999999999999999999999', serial: 'S1', groups: [{ id: 1, state: 'active-optimized' }] });
  const c = new FakeLun({ serial: 'S3', groups: [{ id: 1, state: 'active-optimized' }] });
  const mk = (lun: FakeLun, id: string, rp: number): FakePath => new FakePath(lun, { id, tpg: 1, relPort: rp, clock });
  const dead = mk(c, 'x', 9);
  dead.fail();
  const { groups, failed } = await groupPathsByIdentity([mk(a, 'a1', 1), mk(b, 'b1', 1), mk(a, 'a2', 2), mk(c, 'c1', 1), mk(c, 'c2', 2), dead]);
  assert.deepEqual(groups.map((g) => [g.key, g.paths.map((p) => p.id)]), [
    [`naa.${NAA}`, ['a1', 'a2']],
    ['naa.60014059999999999999999999999999', ['b1']],
    ['serial.TANDEM.FAKE LUN.S3', ['c1', 'c2']],
  ]);
  assert.deepEqual(failed.map((f) => f.path.id), ['x']);
});

test('create refuses paths that lead to different LUs', async () => {
  const clock = new ManualClock();
  const a = new FakeLun({ naa: NAA, groups: [{ id: 1, state: 'active-optimized' }] });
  const b = new FakeLun({ serial: 'other', groups: [{ id: 1, state: 'active-optimized' }] });
  const ps = [new FakePath(a, { id: 'a', tpg: 1, relPort: 1, clock }), new FakePath(b, { id: 'b', tpg: 1, relPort: 1, clock })];
  await assert.rejects(MultipathDevice.create(ps, { name: 'm', selector: 'round-robin', checkerIntervalMs: 1000, noPathRetryMs: 0, explicitFailover: false, clock }), /different devices/);
});

test('priority: I/O goes only to active/optimized paths while any is alive; status shows the groups', async () => {
  const { dev, paths, lun } = await makeRig();
  for (let i = 0; i < 8; i++) await dev.write(i * 512, block(lun, i));
  assert.equal(paths[2]!.executed + paths[3]!.executed > 0, true); // probes went everywhere
  const ios = dev.status().paths.map((p) => p.ios);
  assert.deepEqual(ios.slice(2), [0, 0]);
  assert.equal(ios[0]! + ios[1]!, 9); // 8 writes + READ CAPACITY
  const st = dev.status();
  assert.deepEqual(st.groups.map((g) => [g.targetPortGroup, g.aluaState, g.priority]), [[1, 'active-optimized', 50], [2, 'active-non-optimized', 10]]);
  assert.deepEqual(st.paths.map((p) => p.mode), ['active', 'active', 'standby', 'standby']);
  assert.equal(st.wwid, `naa.${NAA}`);
  assert.match(formatStatus(st), /Pseudo name=tandem0[\s\S]*p2 +127\.0\.0\.1:3263 +2 +active-non-optimized +standby +alive/);
  await dev.close();
});

test('round-robin spreads evenly over the optimized paths; least-queue-depth avoids the busy one', async () => {
  const rr = await makeRig({ pathTpgs: [1, 1, 1, 2] });
  await Promise.all(Array.from({ length: 30 }, (_, i) => rr.dev.read(i * 512, 512)));
  const c = rr.dev.status().paths.map((p) => p.ios);
  assert.deepEqual(c.slice(0, 3).map((n) => Math.abs(n - 10) <= 1), [true, true, true], String(c));
  assert.equal(c[3], 0);
  await rr.dev.close();

  const lq = await makeRig({ pathTpgs: [1, 1], groups: [{ id: 1, state: 'active-optimized' }], mp: { selector: 'least-queue-depth' }, latencyMs: 5 });
  lq.paths[0]!.latencyMs = 50; // slow path: its queue stays deep
  // 4 workers issuing reads back to back: the fast path drains its queue and gets more
  const worker = async (w: number): Promise<void> => {
    for (let i = 0; i < 10; i++) await lq.dev.read((w * 10 + i) * 512, 512);
  };
  const reads = Promise.all([0, 1, 2, 3].map(worker));
  await drive(lq.clock, reads, 1);
  const [slow, fast] = lq.dev.status().paths.map((p) => p.ios);
  assert.ok(fast! > slow! * 3, `fast ${fast} slow ${slow}`);
  await lq.dev.close();
});

test('failover: a path dies mid-I/O, in-flight writes are re-issued, the caller sees no error', async () => {
  const { dev, paths, lun, clock } = await makeRig({ latencyMs: 5 });
  const writes = Array.from({ length: 20 }, (_, i) => dev.write(i * 512, block(lun, 0x10 + i)));
  await settle();
  paths[0]!.fail({ executeInflight: true });
  clock.advance(2);
  paths[1]!.fail();
  await drive(clock, Promise.all(writes));
  for (let i = 0; i < 20; i++) assert.deepEqual(lun.readBlock(i), block(lun, 0x10 + i));
  const st = dev.status();
  assert.deepEqual(st.paths.map((p) => p.state), ['dead', 'dead', 'alive', 'alive']);
  assert.ok(st.paths[0]!.errors > 0 && st.paths[1]!.errors > 0);
  assert.deepEqual(await drive(clock, dev.read(3 * 512, 512)), block(lun, 0x13));
  // the paths come back: the checker reinstates them and I/O returns to the optimized group
  paths[0]!.restore();
  paths[1]!.restore();
  await drive(clock, dev.checkNow());
  assert.deepEqual(dev.status().paths.map((p) => p.state), ['alive', 'alive', 'alive', 'alive']);
  const before = dev.status().paths.map((p) => p.ios);
  await drive(clock, dev.read(0, 512));
  const after = dev.status().paths.map((p) => p.ios);
  assert.deepEqual(after.slice(2), before.slice(2));
  await dev.close();
});

test('a hung path times out, is marked dead and the command completes elsewhere', async () => {
  const { dev, paths, lun, clock } = await makeRig({ mp: { commandTimeoutMs: 3000 } });
  paths[0]!.hang();
  paths[1]!.hang();
  const w = dev.write(0, block(lun, 0x77));
  await drive(clock, w, 100);
  assert.deepEqual(lun.readBlock(0), block(lun, 0x77));
  assert.equal(dev.status().paths[2]!.ios > 0 || dev.status().paths[3]!.ios > 0, true);
  await dev.close();
});

test('ALUA: the optimized group goes standby (UA 2Ah/06h) and I/O moves to the other group', async () => {
  const { dev, paths, lun, clock } = await makeRig();
  await dev.write(0, block(lun, 1));
  lun.setGroupState(1, 'standby');
  lun.setGroupState(2, 'active-optimized', { ua: false });
  await drive(clock, dev.write(512, block(lun, 2)));
  const st = dev.status();
  assert.deepEqual(st.paths.map((p) => [p.state, p.aluaState]), [['ghost', 'standby'], ['ghost', 'standby'], ['alive', 'active-optimized'], ['alive', 'active-optimized']]);
  const before = paths.map((p) => p.executed);
  await drive(clock, dev.read(0, 1024));
  assert.deepEqual(paths.slice(0, 2).map((p) => p.executed), before.slice(0, 2));
  await dev.close();
});

test('ALUA without a UA: 04h/0Bh on I/O makes the path ghost and the command is re-issued', async () => {
  const { dev, lun, clock } = await makeRig({ groups: [{ id: 1, state: 'active-optimized' }, { id: 2, state: 'active-optimized' }] });
  lun.setGroupState(1, 'unavailable', { ua: false });
  for (let i = 0; i < 6; i++) await drive(clock, dev.write(i * 512, block(lun, 9)));
  assert.deepEqual(dev.status().paths.map((p) => p.state), ['ghost', 'ghost', 'alive', 'alive']);
  await dev.close();
});

test('NOT READY 04h/0Ah (transitioning) on the only group: I/O waits, then completes after the transition', async () => {
  const { dev, lun, clock } = await makeRig({ pathTpgs: [1, 1], groups: [{ id: 1, state: 'active-optimized' }], mp: { noPathRetryMs: 500 } });
  lun.setGroupState(1, 'transitioning', { ua: false });
  const w = dev.write(0, block(lun, 5));
  let done = false;
  void w.then(() => (done = true));
  for (let i = 0; i < 100; i++) {
    await settle();
    clock.advance(10); // 1 s: longer than noPathRetryMs, but a transition is not "no path"
  }
  assert.equal(done, false);
  assert.deepEqual(dev.status().paths.map((p) => p.state), ['transitioning', 'transitioning']);
  lun.setGroupState(1, 'active-optimized');
  await drive(clock, w);
  assert.deepEqual(lun.readBlock(0), block(lun, 5));
  await dev.close();
});

test('unit attentions: power-on reset and REPORTED LUNS DATA CHANGED are retried; CAPACITY DATA CHANGED re-reads capacity', async () => {
  const { dev, paths, lun, clock } = await makeRig({ pathTpgs: [1], groups: [{ id: 1, state: 'active-optimized' }] });
  assert.equal(dev.sizeBytes, 2048 * 512);
  paths[0]!.pendingUA.push([0x29, 0x00], [0x3f, 0x0e]);
  await drive(clock, dev.write(0, block(lun, 3)));
  assert.deepEqual(lun.readBlock(0), block(lun, 3));
  lun.setCapacity(4096);
  await drive(clock, dev.read(0, 512));
  assert.equal(dev.sizeBytes, 4096 * 512);
  await drive(clock, dev.read(4000 * 512, 512));
  await dev.close();
});

test('medium and illegal-request errors go to the caller at once, not retried', async () => {
  const { dev, paths, lun, clock } = await makeRig();
  lun.badBlocks.add(7);
  const before = paths.reduce((n, p) => n + p.executed, 0);
  const e = await drive(clock, dev.read(7 * 512, 512)).catch((x: unknown) => x);
  assert.ok(e instanceof MultipathIoError);
  assert.equal(e.code, 'EIO');
  assert.equal(e.sense?.key, 3);
  assert.equal(paths.reduce((n, p) => n + p.executed, 0) - before, 1);
  paths[0]!.injectSense(0x5, 0x24, 0x00);
  paths[1]!.injectSense(0x5, 0x24, 0x00);
  const e2 = await drive(clock, dev.write(0, block(lun, 1))).catch((x: unknown) => x);
  assert.equal((e2 as MultipathIoError).code, 'EINVAL');
  assert.deepEqual(dev.status().paths.map((p) => p.state), ['alive', 'alive', 'alive', 'alive']);
  await dev.close();
});

test('queue_if_no_path: all paths down, I/O queues, then completes when a path returns', async () => {
  const { dev, paths, lun, clock } = await makeRig({ mp: { noPathRetryMs: 60_000 } });
  for (const p of paths) p.fail();
  const w = dev.write(0, block(lun, 0x42));
  const r = dev.read(512, 512);
  await settle();
  clock.advance(5000);
  await settle();
  assert.equal(dev.status().queuedIos, 2);
  paths[3]!.restore();
  await drive(clock, Promise.all([w, r]));
  assert.deepEqual(lun.readBlock(0), block(lun, 0x42));
  assert.equal(dev.status().queuedIos, 0);
  await dev.close();
});

test('no_path_retry expires: queued I/O fails with EIO, new I/O fails fast, a returning path clears it', async () => {
  const { dev, paths, lun, clock } = await makeRig({ mp: { noPathRetryMs: 3000 } });
  for (const p of paths) p.fail();
  const w = dev.write(0, block(lun, 1)).catch((e: unknown) => e);
  await settle();
  clock.advance(2999);
  await settle();
  assert.equal(dev.status().queuedIos, 1);
  clock.advance(1);
  const e = await w;
  assert.ok(e instanceof MultipathIoError && e.code === 'EIO', String(e));
  assert.equal(dev.status().failingFast, true);
  await assert.rejects(dev.read(0, 512), /no usable path/);
  paths[2]!.restore();
  await settle(); // link-up ⇒ immediate check ⇒ reinstated
  await drive(clock, dev.read(0, 512));
  assert.equal(dev.status().failingFast, false);
  await dev.close();
});

test('explicit failover: no optimized path usable ⇒ SET TARGET PORT GROUPS makes the reachable group active/optimized', async () => {
  const { dev, paths, lun, clock } = await makeRig({ groups: [{ id: 1, state: 'active-optimized' }, { id: 2, state: 'standby' }], mp: { explicitFailover: true } });
  paths[0]!.fail();
  paths[1]!.fail();
  await drive(clock, dev.write(0, block(lun, 0x5a)));
  assert.equal(lun.groupState.get(2), 'active-optimized');
  assert.ok(lun.log.some((l) => l.op === 0xa4));
  assert.deepEqual(dev.status().paths.slice(2).map((p) => [p.state, p.aluaState]), [['alive', 'active-optimized'], ['alive', 'active-optimized']]);
  assert.deepEqual(lun.readBlock(0), block(lun, 0x5a));
  await dev.close();
});

test('without explicit failover a standby-only device queues (no STPG is sent)', async () => {
  const { dev, paths, lun, clock } = await makeRig({ groups: [{ id: 1, state: 'active-optimized' }, { id: 2, state: 'standby' }] });
  paths[0]!.fail();
  paths[1]!.fail();
  const w = dev.write(0, block(lun, 1));
  for (let i = 0; i < 50; i++) {
    await settle();
    clock.advance(100);
  }
  assert.equal(dev.status().queuedIos, 1);
  assert.ok(!lun.log.some((l) => l.op === 0xa4));
  lun.setGroupState(2, 'active-optimized'); // the array fails over by itself (implicit ALUA)
  await drive(clock, w);
  await dev.close();
});

test('discard, flush and allocation status map to UNMAP, SYNCHRONIZE CACHE and GET LBA STATUS', async () => {
  const { dev, lun, clock } = await makeRig();
  await drive(clock, dev.write(4 * 512, block(lun, 1, 4)));
  assert.deepEqual(await drive(clock, dev.allocationStatus(0, 16 * 512)), [
    { offset: 0, length: 4 * 512, mapped: false },
    { offset: 4 * 512, length: 4 * 512, mapped: true },
    { offset: 8 * 512, length: 8 * 512, mapped: false },
  ]);
  await drive(clock, dev.discard(4 * 512, 2 * 512));
  await drive(clock, dev.flush());
  assert.deepEqual(await drive(clock, dev.read(4 * 512, 512)), Buffer.alloc(512));
  assert.ok(lun.log.some((l) => l.op === 0x91) && lun.log.some((l) => l.op === 0x42));
  await assert.rejects(dev.resize(), /resize the volume on the array/);
  await assert.rejects(dev.read(1, 512), RangeError);
  await dev.close();
});

test('removePath refuses the last alive path unless forced; addPath checks identity', async () => {
  const { clock, lun, paths } = makeLunAndPaths({ pathTpgs: [1, 1], groups: [{ id: 1, state: 'active-optimized' }] });
  const dev = await drive(clock, MultipathDevice.create([paths[0]!], { name: 'm', selector: 'round-robin', checkerIntervalMs: 1000, noPathRetryMs: 0, explicitFailover: false, clock }));
  await assert.rejects(dev.removePath('p0'), /last alive path/);
  await drive(clock, dev.addPath(paths[1]!));
  await dev.removePath('p0');
  assert.deepEqual(dev.status().paths.map((p) => p.id), ['p1']);
  const other = new FakePath(new FakeLun({ serial: 'zzz', groups: [{ id: 1, state: 'active-optimized' }] }), { id: 'o', tpg: 1, relPort: 5, clock });
  await assert.rejects(dev.addPath(other), /leads to/);
  await drive(clock, dev.write(0, block(lun, 1)));
  await dev.close();
});

test('a LU without ALUA (TPGS 0): one group, every path used, no RTPG sent', async () => {
  const { dev, lun, clock } = await makeRig({ lun: { tpgs: 0 } });
  for (let i = 0; i < 8; i++) await drive(clock, dev.read(i * 512, 512));
  const st = dev.status();
  assert.equal(st.alua, 'none');
  assert.deepEqual(st.groups.map((g) => g.targetPortGroup), [null]);
  assert.ok(st.paths.every((p) => p.ios >= 2), String(st.paths.map((p) => p.ios)));
  assert.ok(!lun.log.some((l) => l.op === 0xa3));
  await dev.close();
});

test('explicit failover promotes the non-optimized group when the optimized paths die; not sent when the LU is implicit-only', async () => {
  const ex = await makeRig({ mp: { explicitFailover: true } });
  ex.paths[0]!.fail();
  ex.paths[1]!.fail();
  await drive(ex.clock, ex.dev.write(0, block(ex.lun, 1)));
  await drive(ex.clock, ex.dev.checkNow());
  assert.equal(ex.lun.groupState.get(2), 'active-optimized');
  assert.deepEqual(ex.dev.status().paths.slice(2).map((p) => p.aluaState), ['active-optimized', 'active-optimized']);
  await ex.dev.close();

  const im = await makeRig({ lun: { tpgs: 1 }, mp: { explicitFailover: true } });
  im.paths[0]!.fail();
  im.paths[1]!.fail();
  await drive(im.clock, im.dev.write(0, block(im.lun, 1)));
  assert.ok(!im.lun.log.some((l) => l.op === 0xa4));
  assert.equal(im.lun.groupState.get(2), 'active-non-optimized');
  await im.dev.close();
});

test('a thick LU: discard writes zeros, allocation status is all mapped', async () => {
  const { dev, lun, clock } = await makeRig({ lun: { thin: false } });
  assert.equal(dev.thin, false);
  await drive(clock, dev.write(0, block(lun, 7, 4)));
  await drive(clock, dev.discard(512, 2 * 512));
  assert.deepEqual(await drive(clock, dev.read(0, 4 * 512)), Buffer.concat([block(lun, 7), Buffer.alloc(1024), block(lun, 7)]));
  assert.ok(!lun.log.some((l) => l.op === 0x42));
  assert.deepEqual(await drive(clock, dev.allocationStatus(0, 8192)), [{ offset: 0, length: 8192, mapped: true }]);
  await dev.close();
});
