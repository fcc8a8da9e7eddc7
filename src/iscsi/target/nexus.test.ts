import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildNexus, iscsiTransportId } from './nexus.js';
import { formatTargetAddress, sendTargetsReply } from './send-targets.js';

test('nexus names follow RFC 7143 §4.2.7', () => {
  const n = buildNexus({ targetName: 'iqn.t', initiatorName: 'iqn.i', isid: Buffer.from('400001370000', 'hex'), tpgt: 2, relativeTargetPortId: 3, targetPortGroupId: 4 });
  assert.equal(n.initiatorPort, 'iqn.i,i,0x400001370000');
  assert.equal(n.targetPort, 'iqn.t,t,0x0002');
  assert.equal(n.id, 'iqn.i,i,0x400001370000|iqn.t,t,0x0002');
  assert.equal(n.relativeTargetPortId, 3);
});

test('TransportID is SPC-4 §7.6.4.6 format 01b, NUL-terminated, padded to 4', () => {
  const t = iscsiTransportId('iqn.i,i,0x400001370000');
  assert.equal(t[0], 0x45);
  const len = t.readUInt16BE(2);
  assert.equal(len % 4, 0);
  assert.ok(len >= 20);
  assert.equal(t.length, 4 + len);
  assert.equal(t.subarray(4, 4 + 22).toString(), 'iqn.i,i,0x400001370000');
  assert.equal(t[4 + 22], 0);
});

test('SendTargets lists every portal; IPv6 in brackets; wildcard replaced by the local address', () => {
  const portals = [
    { host: '10.0.0.1', port: 3260, tpgt: 1, relativeTargetPortId: 1, targetPortGroupId: 1 },
    { host: 'fe80::1', port: 3261, tpgt: 2, relativeTargetPortId: 2, targetPortGroupId: 1 },
    { host: '0.0.0.0', port: 3262, tpgt: 3, relativeTargetPortId: 3, targetPortGroupId: 2 },
  ];
  assert.deepEqual(sendTargetsReply('All', 'iqn.t', portals, '192.168.1.5', true), [
    ['TargetName', 'iqn.t'],
    ['TargetAddress', '10.0.0.1:3260,1'],
    ['TargetAddress', '[fe80::1]:3261,2'],
    ['TargetAddress', '192.168.1.5:3262,3'],
  ]);
  assert.deepEqual(sendTargetsReply('iqn.other', 'iqn.t', portals, 'x', true), []);
  assert.deepEqual(sendTargetsReply('All', 'iqn.t', portals, 'x', false), []);
  assert.equal(formatTargetAddress('::ffff:127.0.0.1', 1, 1), '127.0.0.1:1,1');
});
