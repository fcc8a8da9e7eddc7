import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lunsInUse, membershipLunClashes, resolveAccessFrom, type AccessSnapshot } from './access.js';
import type { MappingRecord } from '../store/records.js';

let nextId = 1;
function m(volumeName: string, lun: number, target: { host?: string; group?: string }): MappingRecord {
  const kind = target.host ? 'host' : target.group ? 'hostGroup' : 'allLoopback';
  return { id: nextId++, volumeId: volumeName, volumeName, kind, hostName: target.host ?? null, hostGroupName: target.group ?? null, lun, createdAt: '' };
}

const I1 = 'iqn.2026-01.test:h1';
const I2 = 'iqn.2026-01.test:h2';
const snap: AccessSnapshot = {
  hosts: [
    { id: 1, name: 'h1', initiators: [I1], chap: null, failoverMode: null, createdAt: '' },
    { id: 2, name: 'h2', initiators: [I2], chap: null, failoverMode: null, createdAt: '' },
  ],
  hostGroups: [{ id: 1, name: 'cluster', hosts: ['h1', 'h2'], createdAt: '' }],
  mappings: [m('h1only', 0, { host: 'h1' }), m('shared', 1, { group: 'cluster' }), m('h2only', 0, { host: 'h2' }), m('lo', 5, {})],
};

test('a registered initiator sees its host and group mappings, not others', () => {
  assert.deepEqual([...resolveAccessFrom(snap, I1, false)], [[0, 'h1only'], [1, 'shared']]);
  assert.deepEqual([...resolveAccessFrom(snap, I2, false)], [[0, 'h2only'], [1, 'shared']]);
});

test('all-loopback mappings only on loopback portals, for anyone', () => {
  assert.deepEqual([...resolveAccessFrom(snap, I1, true)], [[0, 'h1only'], [1, 'shared'], [5, 'lo']]);
  assert.deepEqual([...resolveAccessFrom(snap, 'iqn.2026-01.test:stranger', true)], [[5, 'lo']]);
  assert.deepEqual([...resolveAccessFrom(snap, 'iqn.2026-01.test:stranger', false)], []);
});

test('initiator names compare case-insensitively', () => {
  assert.deepEqual([...resolveAccessFrom(snap, I1.toUpperCase(), false)].length, 2);
});

test('explicit mappings win a LUN collision over all-loopback', () => {
  const s: AccessSnapshot = { ...snap, mappings: [...snap.mappings, m('lo0', 0, {})] };
  assert.equal(resolveAccessFrom(s, I1, true).get(0), 'h1only');
  assert.equal(resolveAccessFrom(s, 'iqn.2026-01.test:x', true).get(0), 'lo0');
});

test('LUNs in use per view and membership clashes', () => {
  assert.deepEqual([...lunsInUse(snap, { kind: 'host', hostName: 'h1' })].sort(), [0, 1, 5]);
  assert.deepEqual([...lunsInUse(snap, { kind: 'hostGroup', hostGroupName: 'cluster' })].sort(), [0, 1, 5]);
  assert.deepEqual([...lunsInUse(snap, { kind: 'allLoopback' })].sort(), [0, 0, 1, 5].filter((x, i, a) => a.indexOf(x) === i));
  const s: AccessSnapshot = {
    ...snap,
    hosts: [...snap.hosts, { id: 3, name: 'h3', initiators: [], chap: null, failoverMode: null, createdAt: '' }],
    mappings: [...snap.mappings, m('h3own', 1, { host: 'h3' })],
  };
  assert.deepEqual(membershipLunClashes(s, 'h3', 'cluster'), [1]);
  assert.deepEqual(membershipLunClashes(s, 'h1', 'cluster'), []);
});
