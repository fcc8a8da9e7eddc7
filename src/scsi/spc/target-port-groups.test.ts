import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CDB, FakeRouter, fixture, nexus, sense } from '../test-support/fixture.js';
import { parseSetTargetPortGroups } from './set-target-port-groups.js';

const I1 = nexus('iqn.1994-05.com.example:host1');

test('RTPG with a router: both groups, PREF, states, supported bits, relative port ids', async () => {
  const router = new FakeRouter();
  const f = fixture({ router });
  const d = (await f.run(I1, CDB.rtpg())).dataIn!;
  assert.equal(d.length, 4 + 2 * (8 + 2 * 4));
  assert.equal(d.readUInt32BE(0), 32);
  // group 1: PREF, active/optimized, T_SUP U_SUP S_SUP AN_SUP AO_SUP (no O_SUP, no LBD_SUP), ports 1 and 2
  assert.deepEqual([d[4], d[5], d.readUInt16BE(6), d[11], d.readUInt16BE(14), d.readUInt16BE(18)], [0x80, 0x8f, 1, 2, 1, 2]);
  // group 2: active/non-optimized, ports 3 and 4
  assert.deepEqual([d[20], d[21], d.readUInt16BE(22), d[27], d.readUInt16BE(30), d.readUInt16BE(34)], [0x01, 0x8f, 2, 2, 3, 4]);
  router.groups = [
    { id: 2, state: 'transitioning', preferred: false, relativePortIds: [3] },
    { id: 1, state: 'standby', preferred: true, relativePortIds: [1] },
    { id: 3, state: 'unavailable', preferred: false, relativePortIds: [] },
  ];
  const e = (await f.run(I1, CDB.rtpg(1024, 1))).dataIn!;
  assert.deepEqual([e[4], e[5]], [0x10, 10]); // extended header: FORMAT TYPE 001b, IMPLICIT TRANSITION TIME
  assert.equal(e.readUInt32BE(0), 12 + 12 + 8);
  assert.equal(e.length, 8 + 32);
  assert.deepEqual([e[8], e.readUInt16BE(10), e[20], e.readUInt16BE(22), e[32], e.readUInt16BE(34), e[39]], [0x82, 1, 0x0f, 2, 0x03, 3, 0]);
  assert.deepEqual(sense(await f.run(I1, CDB.rtpg(1024, 2))), [5, 0x24, 0]);
});

test('INQUIRY TPGS: 11b with a router (implicit + explicit), 01b without', async () => {
  const withRouter = fixture({ router: new FakeRouter() });
  assert.equal((await withRouter.run(I1, CDB.inquiry(false, 0))).dataIn![5]! & 0x30, 0x30);
  const single = fixture();
  assert.equal((await single.run(I1, CDB.inquiry(false, 0))).dataIn![5]! & 0x30, 0x10);
});

test('STPG parsing: descriptors, primary states only, known and distinct groups, whole descriptors', () => {
  const groups = new Set([1, 2]);
  const p = (...b: number[]) => parseSetTargetPortGroups(Buffer.from(b), groups);
  assert.deepEqual(p(0, 0, 0, 0, 0x00, 0, 0, 2, 0x02, 0, 0, 1), [
    { tpgId: 2, state: 'active-optimized' },
    { tpgId: 1, state: 'standby' },
  ]);
  assert.deepEqual(p(0, 0, 0, 0, 0xf1, 0, 0, 1), [{ tpgId: 1, state: 'active-non-optimized' }]); // reserved high bits ignored
  assert.deepEqual(p(0, 0, 0, 0, 0x03, 0, 0, 1), [{ tpgId: 1, state: 'unavailable' }]);
  for (const bad of [0x0f, 0x0e, 0x04, 0x05]) {
    const r = p(0, 0, 0, 0, bad, 0, 0, 1);
    assert.ok(!Array.isArray(r));
    assert.deepEqual([r.sense![2]! & 0xf, r.sense![12], r.sense!.readUInt16BE(16)], [5, 0x26, 4], `state ${bad}`);
  }
  const unknown = p(0, 0, 0, 0, 0x00, 0, 0, 9);
  assert.ok(!Array.isArray(unknown) && unknown.sense![12] === 0x26 && unknown.sense!.readUInt16BE(16) === 6);
  const twice = p(0, 0, 0, 0, 0x00, 0, 0, 1, 0x01, 0, 0, 1);
  assert.ok(!Array.isArray(twice) && twice.sense![12] === 0x26 && twice.sense!.readUInt16BE(16) === 10);
  const short = p(0, 0, 0, 0, 0x00, 0, 0);
  assert.ok(!Array.isArray(short) && short.sense![12] === 0x1a);
});

test('STPG through the target: the router gets the requests with the issuing nexus; its refusal is reported', async () => {
  const router = new FakeRouter();
  const f = fixture({ router });
  const params = Buffer.from([0, 0, 0, 0, 0x00, 0, 0, 2]);
  assert.equal((await f.run(I1, CDB.stpg(8), params)).status, 0);
  assert.deepEqual(router.stpgCalls, [{ nexusId: I1.id, requests: [{ tpgId: 2, state: 'active-optimized' }] }]);
  router.stpgResult = 'InvalidFieldInParameterList';
  assert.deepEqual(sense(await f.run(I1, CDB.stpg(8), params)), [5, 0x26, 0]);
  assert.equal((await f.run(I1, CDB.stpg(0))).status, 0); // no data, no change
  assert.deepEqual(sense(await f.run(I1, CDB.stpg(8), Buffer.from([0, 0, 0, 0, 0x0f, 0, 0, 2]))), [5, 0x26, 0]);
  assert.deepEqual(sense(await f.run(I1, CDB.stpg(12), params)), [5, 0x1a, 0]); // Data-Out shorter than the list length
  assert.equal(router.stpgCalls.length, 2);
});

test('STPG exists only with a router: INVALID COMMAND OPERATION CODE and absent from RSOC without one', async () => {
  const single = fixture();
  assert.deepEqual(sense(await single.run(I1, CDB.stpg(8), Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]))), [5, 0x20, 0]);
  const one = (await single.run(I1, CDB.rsoc(2, 0xa4, 0x0a))).dataIn!;
  assert.equal(one[1]! & 0x07, 0x01); // SUPPORT 001b: not supported
  const dual = fixture({ router: new FakeRouter() });
  const two = (await dual.run(I1, CDB.rsoc(2, 0xa4, 0x0a))).dataIn!;
  assert.equal(two[1]! & 0x07, 0x03);
  assert.equal(two.readUInt16BE(2), 12);
});

test('STPG parsing never throws: a list of distinct known groups in requestable states, or CHECK CONDITION', () => {
  const groups = new Set([1, 2]);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
      const r = parseSetTargetPortGroups(Buffer.from(bytes), groups);
      if (!Array.isArray(r)) return r.status === 2 && r.sense !== undefined;
      return r.length === (bytes.length - 4) / 4 && new Set(r.map((x) => x.tpgId)).size === r.length && r.every((x) => groups.has(x.tpgId) && x.state !== 'transitioning' && x.state !== 'offline');
    }),
  );
});
