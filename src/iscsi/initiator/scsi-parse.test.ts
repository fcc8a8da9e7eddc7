// Parsers for RTPG, VPD 83h, READ CAPACITY (16), REPORT LUNS, SendTargets text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeTextData } from '../pdu/text.js';
import { parseSendTargets, parseTargetAddress } from './send-targets.js';
import { setTargetPortGroupsCdb, unmapCdb } from './scsi-cdb.js';
import { parseCapacity16, parseReportLuns, parseReportTargetPortGroups } from './scsi-parse.js';

test('REPORT TARGET PORT GROUPS: two groups with states, PREF and ports', () => {
  const d = Buffer.from([0, 0, 0, 24, 0x80, 0x8f, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0x02, 0x8f, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2]);
  assert.deepEqual(parseReportTargetPortGroups(d).groups.map((g) => [g.id, g.state, g.pref, g.ports]), [[1, 'active-optimized', true, [1]], [2, 'standby', false, [2]]]);
  const t = Buffer.from([0, 0, 0, 8, 0x0f, 0, 0, 3, 0, 0, 0, 0]);
  assert.equal(parseReportTargetPortGroups(t).groups[0]!.state, 'transitioning');
});

test('READ CAPACITY (16) and REPORT LUNS', () => {
  const c = Buffer.alloc(32);
  c.writeBigUInt64BE(2047n, 0);
  c.writeUInt32BE(4096, 8);
  c[14] = 0xc0;
  assert.deepEqual(parseCapacity16(c), { blockCount: 2048, blockSize: 4096, lbpme: true, lbprz: true });
  const l = Buffer.from([0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x41, 0x00, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(parseReportLuns(l), [0, 256]);
});

test('SET TARGET PORT GROUPS and UNMAP parameter lists', () => {
  const s = setTargetPortGroupsCdb([{ id: 2, state: 'active-optimized' }]);
  assert.deepEqual([...s.data], [0, 0, 0, 0, 0, 0, 0, 2]);
  assert.equal(s.cdb.readUInt32BE(6), 8);
  const u = unmapCdb([{ lba: 10, blocks: 8 }]);
  assert.equal(u.data.readUInt16BE(0), 22);
  assert.equal(u.data.readUInt16BE(2), 16);
  assert.equal(Number(u.data.readBigUInt64BE(8)), 10);
  assert.equal(u.data.readUInt32BE(16), 8);
});

test('SendTargets: records, IPv6 portals, default port', () => {
  const t = encodeTextData([['TargetName', 'iqn.a'], ['TargetAddress', '10.0.0.1:3261,2'], ['TargetAddress', '[fe80::1]:3260,1'], ['TargetName', 'iqn.b']]);
  assert.deepEqual(parseSendTargets(t, '127.0.0.1', 3260), [
    { targetName: 'iqn.a', portals: [{ host: '10.0.0.1', port: 3261, tpgt: 2 }, { host: 'fe80::1', port: 3260, tpgt: 1 }] },
    { targetName: 'iqn.b', portals: [{ host: '127.0.0.1', port: 3260, tpgt: 1 }] },
  ]);
  assert.deepEqual(parseTargetAddress('host.example', 3260), { host: 'host.example', port: 3260, tpgt: 1 });
});
