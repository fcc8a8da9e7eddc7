import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CDB, fixture, nexus, PORTS, prParams, sense, type Fixture } from '../test-support/fixture.js';
import type { ItNexus } from '../types.js';
import { PrOutAction as A } from './pr-out-logic.js';
import { prStateAfterPowerLoss, PrType } from './pr-state.js';
import { encodeTransportId } from './transport-id.js';

const I1 = nexus('iqn.1994-05.com.example:host1');
const I2 = nexus('iqn.1994-05.com.example:host2');
const K1 = 0x1111n;
const K2 = 0x2222n;

const out = (f: Fixture, n: ItNexus, sa: number, resKey: bigint, saKey: bigint, type = 0, flags = {}) => f.run(n, CDB.prOut(sa, type), prParams(resKey, saKey, flags));
const register = (f: Fixture, n: ItNexus, key: bigint) => out(f, n, A.RegisterAndIgnore, 0n, key);

async function keys(f: Fixture, n = I1): Promise<{ gen: number; keys: bigint[] }> {
  const d = (await f.run(n, CDB.prIn(0))).dataIn!;
  const ks = [];
  for (let off = 8; off < 8 + d.readUInt32BE(4); off += 8) ks.push(d.readBigUInt64BE(off));
  return { gen: d.readUInt32BE(0), keys: ks };
}

async function reservation(f: Fixture, n = I1): Promise<{ key: bigint; type: number } | undefined> {
  const d = (await f.run(n, CDB.prIn(1))).dataIn!;
  if (d.readUInt32BE(4) === 0) return undefined;
  return { key: d.readBigUInt64BE(8), type: d[21]! & 0xf };
}

test('REGISTER, re-register with a wrong key conflicts, unregister', async () => {
  const f = fixture();
  assert.equal((await out(f, I1, A.Register, 0n, K1)).status, 0);
  assert.deepEqual((await keys(f)).keys, [K1]);
  assert.equal((await out(f, I1, A.Register, 0n, K1 + 1n)).status, 0x18);
  assert.equal((await out(f, I1, A.Register, K1, 0n)).status, 0);
  assert.deepEqual((await keys(f)).keys, []);
  assert.equal((await keys(f)).gen, 2);
});

test('RESERVE / READ RESERVATION / RELEASE for all six types (key 0 shown for all-registrants)', async () => {
  const f = fixture();
  await register(f, I1, K1);
  for (const t of Object.values(PrType)) {
    assert.equal((await out(f, I1, A.Reserve, K1, 0n, t)).status, 0);
    const all = t === PrType.WriteExclusiveAllRegistrants || t === PrType.ExclusiveAccessAllRegistrants;
    assert.deepEqual(await reservation(f), { key: all ? 0n : K1, type: t });
    assert.equal((await out(f, I1, A.Release, K1, 0n, t)).status, 0);
    assert.equal(await reservation(f), undefined);
  }
  assert.deepEqual(sense(await out(f, I1, A.Reserve, K1, 0n, 2)), [5, 0x24, 0]);
});

const ACCESS: Array<[number, [boolean, boolean, boolean, boolean]]> = [
  // type: registered I2 read, write; unregistered I2 read, write (libiscsi prout_reserve_access)
  [PrType.ExclusiveAccess, [false, false, false, false]],
  [PrType.WriteExclusive, [true, false, true, false]],
  [PrType.ExclusiveAccessRegistrantsOnly, [true, true, false, false]],
  [PrType.WriteExclusiveRegistrantsOnly, [true, true, true, false]],
  [PrType.ExclusiveAccessAllRegistrants, [true, true, false, false]],
  [PrType.WriteExclusiveAllRegistrants, [true, true, true, false]],
];

for (const [type, [rr, rw, ur, uw]] of ACCESS) {
  test(`access under type ${type} across two nexuses`, async () => {
    const f = fixture();
    await register(f, I1, K1);
    await register(f, I2, K2);
    assert.equal((await out(f, I1, A.Reserve, K1, 0n, type)).status, 0);
    assert.equal((await f.run(I1, CDB.read())).status, 0);
    assert.equal((await f.run(I1, CDB.write())).status, 0);
    assert.equal((await f.run(I2, CDB.read())).status === 0, rr);
    assert.equal((await f.run(I2, CDB.write())).status === 0, rw);
    assert.equal((await out(f, I2, A.Register, K2, 0n)).status, 0);
    assert.equal((await f.run(I2, CDB.read())).status === 0, ur);
    assert.equal((await f.run(I2, CDB.write())).status === 0, uw);
    assert.equal((await f.run(I2, CDB.inquiry(false, 0))).status, 0);
    assert.equal((await out(f, I1, A.Release, K1, 0n, type)).status, 0);
  });
}

test('holder unregisters: non-AR reservation released (RO types tell the others), AR reservation stays', async () => {
  const f = fixture();
  await register(f, I1, K1);
  await register(f, I2, K2);
  await out(f, I1, A.Reserve, K1, 0n, PrType.WriteExclusiveRegistrantsOnly);
  await out(f, I1, A.Register, K1, 0n);
  assert.equal(await reservation(f), undefined);
  assert.deepEqual(sense(await f.run(I2, CDB.tur())), [6, 0x2a, 0x04]);
  await register(f, I1, K1);
  await out(f, I1, A.Reserve, K1, 0n, PrType.ExclusiveAccessAllRegistrants);
  await out(f, I1, A.Register, K1, 0n);
  assert.deepEqual(await reservation(f, I2), { key: 0n, type: PrType.ExclusiveAccessAllRegistrants });
  assert.equal((await out(f, I2, A.Release, K2, 0n, PrType.ExclusiveAccessAllRegistrants)).status, 0);
  assert.equal(await reservation(f, I2), undefined);
});

test('RELEASE with the wrong type is INVALID RELEASE OF PERSISTENT RESERVATION; non-holder release is a no-op', async () => {
  const f = fixture();
  await register(f, I1, K1);
  await register(f, I2, K2);
  await out(f, I1, A.Reserve, K1, 0n, PrType.ExclusiveAccess);
  assert.deepEqual(sense(await out(f, I1, A.Release, K1, 0n, PrType.WriteExclusive)), [5, 0x26, 0x04]);
  assert.equal((await out(f, I2, A.Release, K2, 0n, PrType.ExclusiveAccess)).status, 0);
  assert.equal((await reservation(f))!.type, PrType.ExclusiveAccess);
  assert.equal((await out(f, I2, A.Reserve, K2, 0n, PrType.ExclusiveAccess)).status, 0x18);
  assert.equal((await out(f, I2, A.Release, K1, 0n, PrType.ExclusiveAccess)).status, 0x18);
});

test('CLEAR removes everything, bumps the generation, tells the others RESERVATIONS PREEMPTED', async () => {
  const f = fixture();
  await register(f, I1, K1);
  await register(f, I2, K2);
  await out(f, I1, A.Reserve, K1, 0n, PrType.ExclusiveAccess);
  const before = (await keys(f)).gen;
  assert.equal((await out(f, I1, A.Clear, K1, 0n)).status, 0);
  const after = await keys(f);
  assert.deepEqual(after.keys, []);
  assert.equal(after.gen, before + 1);
  assert.deepEqual(sense(await f.run(I2, CDB.tur())), [6, 0x2a, 0x03]);
});

test('PREEMPT without a reservation removes the other registration (libiscsi prout_preempt)', async () => {
  const f = fixture();
  await register(f, I1, K1);
  await register(f, I2, K2);
  const gen = (await keys(f)).gen;
  assert.equal((await out(f, I2, A.Preempt, K2, K1, PrType.ExclusiveAccess)).status, 0);
  const k = await keys(f, I2);
  assert.deepEqual(k.keys, [K2]);
  assert.equal(k.gen, gen + 1);
  assert.deepEqual(sense(await f.run(I1, CDB.tur())), [6, 0x2a, 0x05]);
  assert.deepEqual(sense(await out(f, I2, A.Preempt, K2, 0n, PrType.ExclusiveAccess)), [5, 0x26, 0]);
  assert.equal((await out(f, I2, A.Preempt, K2, 0x9999n, PrType.ExclusiveAccess)).status, 0x18);
});

test('PREEMPT of the holder moves the reservation; PREEMPT AND ABORT aborts the victim\'s tasks', async () => {
  let release!: () => void;
  const p = new Promise<void>((r) => (release = r));
  const f = fixture({ gate: { wait: () => p } });
  await register(f, I1, K1);
  await register(f, I2, K2);
  await out(f, I1, A.Reserve, K1, 0n, PrType.WriteExclusive);
  const slow = f.run(I1, CDB.slow());
  await new Promise((r) => setImmediate(r));
  const pa = out(f, I2, A.PreemptAndAbort, K2, K1, PrType.ExclusiveAccess);
  await new Promise((r) => setImmediate(r));
  release();
  assert.equal((await pa).status, 0);
  assert.equal((await slow).aborted, true);
  assert.deepEqual(await reservation(f, I2), { key: K2, type: PrType.ExclusiveAccess });
  assert.deepEqual((await keys(f, I2)).keys, [K2]);
  assert.equal((await f.run(I1, CDB.tur())).status === 2, true);
});

test('REGISTER AND MOVE hands the reservation to another I_T nexus', async () => {
  const f = fixture();
  await register(f, I1, K1);
  await out(f, I1, A.Reserve, K1, 0n, PrType.WriteExclusive);
  const tid = encodeTransportId(I2.initiatorPort);
  const p = Buffer.alloc(24);
  p.writeBigUInt64BE(K1, 0);
  p.writeBigUInt64BE(K2, 8);
  p[17] = 0x02; // UNREG
  p.writeUInt16BE(1, 18);
  p.writeUInt32BE(tid.length, 20);
  const param = Buffer.concat([p, tid]);
  assert.equal((await f.run(I1, CDB.prOut(A.RegisterAndMove, PrType.WriteExclusive, param.length), param)).status, 0);
  assert.deepEqual(await reservation(f, I2), { key: K2, type: PrType.WriteExclusive });
  assert.deepEqual((await keys(f)).keys, [K2]);
  assert.equal((await f.run(I2, CDB.write())).status, 0);
  assert.equal((await f.run(I1, CDB.write())).status, 0x18);
});

test('SPEC_I_PT registers the listed initiator ports too; ALL_TG_PT registers on every target port', async () => {
  const f = fixture();
  const tid = encodeTransportId(I2.initiatorPort);
  const param = prParams(0n, K1, { specIPt: true, allTgPt: true }, [tid]);
  assert.equal((await f.run(I1, CDB.prOut(A.Register, 0, param.length), param)).status, 0);
  assert.equal((await keys(f)).keys.length, 4);
  const onPort2 = nexus('iqn.1994-05.com.example:host2', '23d000000001', PORTS[1]);
  assert.equal((await out(f, onPort2, A.Reserve, K1, 0n, PrType.WriteExclusive)).status, 0);
  const fs = (await f.run(I1, CDB.prIn(3))).dataIn!;
  assert.equal(fs.readUInt32BE(4) > 0, true);
  let holders = 0;
  for (let off = 8; off < fs.length; ) {
    assert.equal(fs[off + 12]! & 0x02, 0x02);
    if (fs[off + 12]! & 1) holders++;
    off += 24 + fs.readUInt32BE(off + 20);
  }
  assert.equal(holders, 1);
  assert.deepEqual(sense(await f.run(I1, CDB.prOut(A.Register, 0, 30), Buffer.alloc(30))), [5, 0x1a, 0]);
});

test('REPORT CAPABILITIES: length 8, CRH/SIP_C/ATP_C/PTPL_C, all six types', async () => {
  const f = fixture();
  const d = (await f.run(I1, CDB.prIn(2))).dataIn!;
  assert.equal(d.readUInt16BE(0), 8);
  assert.equal(d[2], 0x1d);
  assert.ok(((d[3]! >> 4) & 7) <= 5);
  assert.equal(d.readUInt16BE(4), 0xea01);
});

test('READ KEYS truncated to 8 bytes keeps the full additional length', async () => {
  const f = fixture();
  await register(f, I1, K1);
  const d = (await f.run(I1, CDB.prIn(0, 8))).dataIn!;
  assert.equal(d.length, 8);
  assert.equal(d.readUInt32BE(4), 8);
});

test('APTPL: state persisted before GOOD and restored after a power loss; non-APTPL state is not', async () => {
  const f = fixture();
  await out(f, I1, A.RegisterAndIgnore, 0n, K1, 0, { aptpl: true });
  await out(f, I1, A.Reserve, K1, 0n, PrType.ExclusiveAccess);
  const saved = f.persisted.at(-1)!;
  assert.equal(saved.aptpl, true);
  const g = fixture({ initialPr: prStateAfterPowerLoss(JSON.parse(JSON.stringify(saved))) });
  assert.deepEqual(await reservation(g, I1), { key: K1, type: PrType.ExclusiveAccess });
  assert.equal((await g.run(I2, CDB.read())).status, 0x18);
  assert.equal((await g.run(I1, CDB.prIn(2))).dataIn![3]! & 1, 1);
  const h = fixture();
  await register(h, I1, K1);
  assert.deepEqual(prStateAfterPowerLoss(h.persisted.at(-1)).registrations, []);
});

test('a PR change that cannot be persisted is refused and not applied', async () => {
  const f = fixture({ persistFails: true });
  assert.deepEqual(sense(await register(f, I1, K1)), [5, 0x55, 0x04]);
  assert.deepEqual((await keys(f)).keys, []);
});

test('SPC-2 RESERVE while a persistent reservation exists: holder no-op GOOD, others conflict', async () => {
  const f = fixture();
  await register(f, I1, K1);
  await out(f, I1, A.Reserve, K1, 0n, PrType.WriteExclusive);
  assert.equal((await f.run(I1, CDB.reserve6())).status, 0);
  assert.equal(f.lu.spc2Holder, undefined);
  assert.equal((await f.run(I2, CDB.reserve6())).status, 0x18);
});

test('PR OUT from an unregistered nexus conflicts; wrong parameter list length is 1Ah', async () => {
  const f = fixture();
  assert.equal((await out(f, I1, A.Reserve, K1, 0n, PrType.WriteExclusive)).status, 0x18);
  assert.deepEqual(sense(await f.run(I1, CDB.prOut(A.Register, 0, 20), Buffer.alloc(20))), [5, 0x1a, 0]);
  assert.deepEqual(sense(await f.run(I1, [0x5f, 0x08, 0, 0, 0, 0, 0, 0, 24, 0], Buffer.alloc(24))), [5, 0x24, 0]);
});
