// The fake LUN multipath tests run against answers in the wire format the SCSI client
// codec parses: identity, port group, capacity, RTPG, I/O and LBA status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as cdb from '../scsi/wire/index.js';
import { parseDeviceIdentification, parseGetLbaStatus, parseReadCapacity16, parseReportTargetPortGroups, parseStandardInquiry, parseUnitSerial } from '../scsi/wire/index.js';
import { FakeLun } from './test-support/fake-lun.js';
import type { ScsiOutcome } from './path-transport.js';

const lun = new FakeLun({ naa: '6001405aabbccdd0', serial: 'SER42', groups: [{ id: 1, state: 'active-optimized', pref: true }, { id: 7, state: 'standby' }], thin: true, blockCount: 100 });
const nexus = { tpg: 7, relPort: 3, portName: 'iqn.x,t,0x3', pendingUA: [] as Array<[number, number]> };
lun.nexuses.add(nexus);
const data = (o: ScsiOutcome): Buffer => {
  assert.equal(o.kind, 'status');
  return (o as { data: Buffer }).data;
};
const rtpg = (d: Buffer) => parseReportTargetPortGroups(d).groups.map((g) => ({ id: g.id, state: g.state, pref: g.pref, ports: g.ports }));

test('INQUIRY, VPD 80h and 83h parse to identity and port group', () => {
  const std = parseStandardInquiry(data(lun.execute(nexus, cdb.inquiry(undefined, 96))));
  assert.equal(std.vendor, 'TANDEM');
  assert.equal(std.tpgs, 3);
  assert.equal(parseUnitSerial(data(lun.execute(nexus, cdb.inquiry(0x80)))), 'SER42');
  const { designators, ...id } = parseDeviceIdentification(data(lun.execute(nexus, cdb.inquiry(0x83, 1024))));
  assert.deepEqual(id, { naa: '6001405aabbccdd0', targetPortName: 'iqn.x,t,0x3', relativeTargetPort: 3, targetPortGroup: 7 });
  assert.equal(designators.length, 4);
});

test('READ CAPACITY(16) carries LBPME/LBPRZ; RTPG lists states, PREF and ports', () => {
  lun.groupState.set(7, 'active-optimized');
  assert.deepEqual(parseReadCapacity16(data(lun.execute(nexus, cdb.readCapacity16()))), { blockCount: 100, blockSize: 512, lbpme: true, lbprz: true });
  lun.groupState.set(7, 'standby');
  assert.deepEqual(rtpg(data(lun.execute(nexus, cdb.reportTargetPortGroups()))), [
    { id: 1, state: 'active-optimized', pref: true, ports: [] },
    { id: 7, state: 'standby', pref: false, ports: [3] },
  ]);
});

test('WRITE(16) with FUA and READ(16) round-trip; GET LBA STATUS reports the mapped run', () => {
  lun.groupState.set(7, 'active-optimized');
  const w = cdb.write16(5, Buffer.alloc(1024, 0xab), 512, true);
  assert.equal(lun.execute(nexus, w).kind, 'status');
  assert.deepEqual(data(lun.execute(nexus, cdb.read16(5, 2, 512))), Buffer.alloc(1024, 0xab));
  const st = parseGetLbaStatus(data(lun.execute(nexus, cdb.getLbaStatus(0))));
  assert.deepEqual(st.slice(0, 3), [{ lba: 0, blocks: 5, provisioning: 1 }, { lba: 5, blocks: 2, provisioning: 0 }, { lba: 7, blocks: 93, provisioning: 1 }]);
  lun.execute(nexus, cdb.unmap([{ lba: 5, blocks: 2 }]));
  assert.deepEqual(parseGetLbaStatus(data(lun.execute(nexus, cdb.getLbaStatus(0)))), [{ lba: 0, blocks: 100, provisioning: 1 }]);
});
