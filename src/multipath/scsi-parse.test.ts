import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as cdb from './cdb.js';
import { classify } from './classify.js';
import { decodeSense, parseDeviceIdentification, parseReadCapacity16, parseReportTargetPortGroups, parseStandardInquiry, parseUnitSerial, parseGetLbaStatus } from './scsi-parse.js';
import { check, FakeLun, senseFixed } from './test-support/fake-lun.js';
import type { ScsiOutcome } from './path-transport.js';

const lun = new FakeLun({ naa: '6001405aabbccdd0', serial: 'SER42', groups: [{ id: 1, state: 'active-optimized', pref: true }, { id: 7, state: 'standby' }], thin: true, blockCount: 100 });
const nexus = { tpg: 7, relPort: 3, portName: 'iqn.x,t,0x3', pendingUA: [] as Array<[number, number]> };
lun.nexuses.add(nexus);
const data = (o: ScsiOutcome): Buffer => {
  assert.equal(o.kind, 'status');
  return (o as { data: Buffer }).data;
};

test('INQUIRY, VPD 80h and 83h parse to identity and port group', () => {
  const std = parseStandardInquiry(data(lun.execute(nexus, cdb.inquiry(undefined, 96))));
  assert.equal(std.vendor, 'TANDEM');
  assert.equal(std.tpgs, 3);
  assert.equal(parseUnitSerial(data(lun.execute(nexus, cdb.inquiry(0x80)))), 'SER42');
  const id = parseDeviceIdentification(data(lun.execute(nexus, cdb.inquiry(0x83, 1024))));
  assert.deepEqual(id, { naa: '6001405aabbccdd0', targetPortName: 'iqn.x,t,0x3', relativeTargetPort: 3, targetPortGroup: 7 });
});

test('READ CAPACITY(16) carries LBPME/LBPRZ; RTPG lists states, PREF and ports', () => {
  lun.groupState.set(7, 'active-optimized');
  assert.deepEqual(parseReadCapacity16(data(lun.execute(nexus, cdb.readCapacity16()))), { blockCount: 100, blockSize: 512, lbpme: true, lbprz: true });
  lun.groupState.set(7, 'standby');
  assert.deepEqual(parseReportTargetPortGroups(data(lun.execute(nexus, cdb.reportTargetPortGroups()))), [
    { id: 1, state: 'active-optimized', pref: true, ports: [] },
    { id: 7, state: 'standby', pref: false, ports: [3] },
  ]);
  // extended header (format 001b) is skipped
  const ext = Buffer.from('0000000c10000a00' + '8f8f0001' + '00000000', 'hex');
  ext.writeUInt32BE(ext.length - 4, 0);
  assert.deepEqual(parseReportTargetPortGroups(ext), [{ id: 1, state: 'transitioning', pref: true, ports: [] }]);
});

test('WRITE(16) with FUA and READ(16) round-trip; GET LBA STATUS reports the mapped run', () => {
  lun.groupState.set(7, 'active-optimized');
  const w = cdb.write16(5, Buffer.alloc(1024, 0xab), 512, true);
  assert.equal(w.cdb[1], 0x08);
  assert.deepEqual(cdb.rw16Fields(w.cdb), { lba: 5, blocks: 2, fua: true });
  assert.equal(lun.execute(nexus, w).kind, 'status');
  assert.deepEqual(data(lun.execute(nexus, cdb.read16(5, 2, 512))), Buffer.alloc(1024, 0xab));
  const st = parseGetLbaStatus(data(lun.execute(nexus, cdb.getLbaStatus(0))));
  assert.deepEqual(st.slice(0, 3), [{ lba: 0, blocks: 5, provisioning: 1 }, { lba: 5, blocks: 2, provisioning: 0 }, { lba: 7, blocks: 93, provisioning: 1 }]);
  lun.execute(nexus, cdb.unmap([{ lba: 5, blocks: 2 }]));
  assert.deepEqual(parseGetLbaStatus(data(lun.execute(nexus, cdb.getLbaStatus(0)))), [{ lba: 0, blocks: 100, provisioning: 1 }]);
});

test('STPG parameter list: 4 reserved bytes then state + group id', () => {
  const r = cdb.setTargetPortGroups([{ id: 7, state: 'active-optimized' }]);
  assert.deepEqual(r.dataOut, Buffer.from('00000000' + '00000007', 'hex'));
  assert.equal(r.cdb[0], 0xa4);
  assert.equal(r.cdb[1], 0x0a);
  assert.throws(() => cdb.setTargetPortGroups([{ id: 1, state: 'transitioning' }]), RangeError);
});

test('sense decoding: fixed and descriptor formats, INFORMATION', () => {
  const f = senseFixed(0x6, 0x2a, 0x06);
  assert.deepEqual(decodeSense(f), { key: 6, asc: 0x2a, ascq: 0x06, description: 'UNIT ATTENTION: ASYMMETRIC ACCESS STATE CHANGED' });
  const d = Buffer.from('7203110000000000', 'hex');
  assert.equal(decodeSense(d).description, 'MEDIUM ERROR: UNRECOVERED READ ERROR');
  const withInfo = Buffer.concat([Buffer.from('720305000000000c', 'hex'), Buffer.from('000a8000000000000000002a', 'hex')]);
  assert.equal(decodeSense(withInfo).information, 42);
});

test('classify: path errors, ALUA senses, UAs, transient and fatal answers', () => {
  const k = (o: ScsiOutcome): string => classify(o).kind;
  assert.equal(k({ kind: 'transport-error', error: new Error('x') }), 'path-failed');
  assert.equal(k(check(2, 4, 0x0a)), 'transitioning');
  assert.equal(k(check(2, 4, 0x0b)), 'standby');
  assert.equal(k(check(2, 4, 0x0c)), 'unavailable');
  assert.equal(k(check(2, 0x3a, 0)), 'path-failed');
  assert.equal(k(check(6, 0x2a, 0x06)), 'alua-changed');
  assert.equal(k(check(6, 0x2a, 0x09)), 'capacity-changed');
  assert.equal(k(check(6, 0x29, 0x00)), 'retry');
  assert.equal(k(check(6, 0x3f, 0x0e)), 'retry');
  assert.equal(k(check(0xb, 0x47, 0)), 'retry');
  assert.equal(k(check(3, 0x11, 0)), 'fatal');
  assert.equal(k(check(5, 0x21, 0)), 'fatal');
  assert.equal(k(check(7, 0x27, 0)), 'fatal');
  assert.equal(k({ kind: 'status', status: 0x08, data: Buffer.alloc(0), residual: 0, overflow: false }), 'retry');
  assert.equal(k({ kind: 'status', status: 0x18, data: Buffer.alloc(0), residual: 0, overflow: false }), 'fatal');
});
