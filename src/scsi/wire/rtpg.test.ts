// REPORT TARGET PORT GROUPS: both header formats, states incl. LBA dependent, and what the target encodes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeRouter, fixture, nexus } from '../test-support/fixture.js';
import { ALUA_STATE_CODE, aluaStateOfCode } from './alua-state.js';
import { reportTargetPortGroups } from './cdb-spc.js';
import { parseReportTargetPortGroups } from './rtpg.js';

const I1 = nexus('iqn.1994-05.com.example:host1');

test('REPORT TARGET PORT GROUPS: two groups with states, PREF and ports', () => {
  const d = Buffer.from([0, 0, 0, 24, 0x80, 0x8f, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0x02, 0x8f, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2]);
  assert.deepEqual(parseReportTargetPortGroups(d).groups.map((g) => [g.id, g.state, g.pref, g.ports]), [[1, 'active-optimized', true, [1]], [2, 'standby', false, [2]]]);
  const t = Buffer.from([0, 0, 0, 8, 0x0f, 0, 0, 3, 0, 0, 0, 0]);
  assert.equal(parseReportTargetPortGroups(t).groups[0]!.state, 'transitioning');
  assert.deepEqual(parseReportTargetPortGroups(d).groups.map((g) => [g.supported, g.statusCode]), [[0x8f, 0], [0x8f, 0]]);
  assert.equal(parseReportTargetPortGroups(d).format, 0);
});

test('extended header (format 001b): descriptors after byte 8, implicit transition time', () => {
  // RETURN DATA LENGTH counting bytes 4–7 of the header as well
  const ext = Buffer.from('0000000c10000a00' + '8f8f0001' + '00000000', 'hex');
  ext.writeUInt32BE(ext.length - 4, 0);
  assert.deepEqual(parseReportTargetPortGroups(ext).groups.map((g) => ({ id: g.id, state: g.state, pref: g.pref, ports: g.ports })), [{ id: 1, state: 'transitioning', pref: true, ports: [] }]);
  assert.deepEqual([parseReportTargetPortGroups(ext).format, parseReportTargetPortGroups(ext).implicitTransitionTime], [1, 0]);
  // RETURN DATA LENGTH counting only the descriptors (SPC-4 §6.37.2, and what LIO and our target send)
  const two = Buffer.from('00000014' + '10050000' + '01010002' + '00000001' + '00000003' + '04010009' + '00000000', 'hex');
  const r = parseReportTargetPortGroups(two);
  assert.deepEqual([r.format, r.implicitTransitionTime], [1, 5]);
  assert.deepEqual(r.groups.map((g) => [g.id, g.state, g.ports]), [[2, 'active-non-optimized', [3]], [9, 'lba-dependent', []]], 'the last descriptor is not lost');
});

test('ALUA state codes: one table, both directions; reserved codes read as unavailable', () => {
  for (const [name, code] of Object.entries(ALUA_STATE_CODE)) assert.equal(aluaStateOfCode(code), name);
  for (const code of [5, 6, 7, 8, 9, 0xa, 0xb, 0xc, 0xd]) {
    assert.equal(aluaStateOfCode(code), undefined);
    assert.equal(parseReportTargetPortGroups(Buffer.from([0, 0, 0, 8, code, 0, 0, 1, 0, 0, 0, 0])).groups[0]!.state, 'unavailable');
  }
});

test('truncated data: whole descriptors, and the ports that fit', () => {
  const d = Buffer.from([0, 0, 0, 24, 0x80, 0x8f, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2]);
  assert.deepEqual(parseReportTargetPortGroups(d.subarray(0, 16)).groups.map((g) => g.ports), [[1]]);
  assert.deepEqual(parseReportTargetPortGroups(d.subarray(0, 11)).groups, []);
  assert.deepEqual(parseReportTargetPortGroups(d.subarray(0, 3)), { format: 0, groups: [] });
});

test('round trip: what the target reports through RTPG, in both formats, parses back to its port groups', async () => {
  const router = new FakeRouter();
  router.groups = [
    { id: 2, state: 'transitioning', preferred: false, relativePortIds: [3, 4] },
    { id: 1, state: 'standby', preferred: true, relativePortIds: [1] },
    { id: 3, state: 'unavailable', preferred: false, relativePortIds: [] },
    { id: 4, state: 'offline', preferred: false, relativePortIds: [7] },
  ];
  const f = fixture({ router });
  const want = [[1, 'standby', true, [1]], [2, 'transitioning', false, [3, 4]], [3, 'unavailable', false, []], [4, 'offline', false, [7]]];
  for (const format of [0, 1] as const) {
    const req = reportTargetPortGroups(1024, format);
    const r = parseReportTargetPortGroups((await f.run(I1, req.cdb)).dataIn!);
    assert.equal(r.format, format);
    assert.equal(r.implicitTransitionTime, format === 1 ? 10 : undefined);
    assert.deepEqual(r.groups.map((g) => [g.id, g.state, g.pref, g.ports]), want, `format ${format}`);
    assert.ok(r.groups.every((g) => g.supported === 0x8f));
  }
});
