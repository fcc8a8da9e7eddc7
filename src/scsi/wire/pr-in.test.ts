// PERSISTENT RESERVE IN, every service action: hand-made data and what the target encodes after PR OUT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeTransportId } from '../pr/transport-id.js';
import { fixture, nexus, PORTS } from '../test-support/fixture.js';
import { persistentReserveIn, persistentReserveOut, PrInAction } from './cdb-spc.js';
import { parsePersistentReserveIn } from './pr-in.js';

const I1 = nexus('iqn.1994-05.com.example:host1');
const I2 = nexus('iqn.1994-05.com.example:host2', '23d000000002', PORTS[1]!);

const header = (generation: number, len: number): Buffer => {
  const h = Buffer.alloc(8);
  h.writeUInt32BE(generation, 0);
  h.writeUInt32BE(len, 4);
  return h;
};

test('READ KEYS: generation and keys; truncated data keeps the whole keys', () => {
  const d = Buffer.concat([header(7, 16), Buffer.from('000000000000abcd' + '0000000000001234', 'hex')]);
  const r = parsePersistentReserveIn(PrInAction.ReadKeys, d);
  assert.deepEqual([r.generation, r.keys], [7, [0xabcdn, 0x1234n]]);
  assert.deepEqual(parsePersistentReserveIn(PrInAction.ReadKeys, d.subarray(0, 20)).keys, [0xabcdn]);
  assert.deepEqual(parsePersistentReserveIn(PrInAction.ReadKeys, d.subarray(0, 7)), { generation: 0, data: d.subarray(0, 7) });
});

test('READ RESERVATION: none, or key with scope and type', () => {
  assert.equal(parsePersistentReserveIn(PrInAction.ReadReservation, header(1, 0)).reservation, undefined);
  const d = Buffer.concat([header(2, 16), Buffer.alloc(16)]);
  d.writeBigUInt64BE(0xabcn, 8);
  d[21] = 0x03;
  assert.deepEqual(parsePersistentReserveIn(PrInAction.ReadReservation, d).reservation, { key: 0xabcn, scope: 0, type: 3 });
});

test('REPORT CAPABILITIES: flags, ALLOW COMMANDS and the type mask', () => {
  const d = Buffer.from([0, 8, 0x9d, 0x91, 0xea, 0x01, 0, 0]);
  assert.deepEqual(parsePersistentReserveIn(PrInAction.ReportCapabilities, d).capabilities, {
    rlrC: true, crh: true, sipC: true, atpC: true, ptplC: true, tmv: true, allowCommands: 1, ptplA: true, types: [1, 3, 5, 6, 7, 8],
  });
  assert.equal(parsePersistentReserveIn(PrInAction.ReportCapabilities, d).generation, 0);
});

test('READ FULL STATUS: descriptors with their TransportIDs', () => {
  const tid = Buffer.from('iqn.a,i,0x1\0', 'latin1');
  const desc = Buffer.alloc(24);
  desc.writeBigUInt64BE(5n, 0);
  desc[12] = 0x03;
  desc[13] = 0x01;
  desc.writeUInt16BE(2, 18);
  desc.writeUInt32BE(tid.length, 20);
  const body = Buffer.concat([desc, tid, desc, tid]);
  const r = parsePersistentReserveIn(PrInAction.ReadFullStatus, Buffer.concat([header(4, body.length), body]));
  const one = { key: 5n, allTgPt: true, holder: true, scope: 0, type: 1, relativeTargetPortId: 2, transportId: tid };
  assert.deepEqual([r.generation, r.registrations], [4, [one, one]]);
  assert.equal(parsePersistentReserveIn(PrInAction.ReadFullStatus, Buffer.concat([header(4, body.length), body]).subarray(0, 8 + 24 + tid.length + 10)).registrations!.length, 1);
});

test('round trip: every PR IN service action after two registrations and a reservation', async () => {
  const f = fixture();
  const out = async (n: typeof I1, sa: number, p: Parameters<typeof persistentReserveOut>[1]): Promise<void> => {
    const r = persistentReserveOut(sa, p);
    assert.equal((await f.run(n, r.cdb, r.dataOut)).status, 0);
  };
  await out(I1, 0x0, { serviceActionKey: 0xaaan });
  await out(I2, 0x0, { serviceActionKey: 0xbbbn });
  await out(I1, 0x1, { key: 0xaaan, type: 0x1 });
  const prIn = async (sa: number) => parsePersistentReserveIn(sa, (await f.run(I1, persistentReserveIn(sa).cdb)).dataIn!);
  const keys = await prIn(PrInAction.ReadKeys);
  assert.deepEqual([keys.generation, keys.keys], [2, [0xaaan, 0xbbbn]]);
  assert.deepEqual((await prIn(PrInAction.ReadReservation)).reservation, { key: 0xaaan, scope: 0, type: 1 });
  const caps = (await prIn(PrInAction.ReportCapabilities)).capabilities!;
  assert.deepEqual([caps.crh, caps.sipC, caps.atpC, caps.ptplC, caps.tmv, caps.allowCommands, caps.types], [true, true, true, true, true, 1, [1, 3, 5, 6, 7, 8]]);
  const full = (await prIn(PrInAction.ReadFullStatus)).registrations!;
  assert.deepEqual(full.map((r) => [r.key, r.holder, r.type, r.relativeTargetPortId, r.transportId.equals(encodeTransportId(I1.initiatorPort))]), [
    [0xaaan, true, 1, 1, true],
    [0xbbbn, false, 0, 2, false],
  ]);
  assert.ok(full[1]!.transportId.equals(encodeTransportId(I2.initiatorPort)));
});
