// REPORT LUNS parameter data: hand-made and as the target encodes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeLun } from '../../lib/lun.js';
import { fixture, nexus } from '../test-support/fixture.js';
import { reportLuns } from './cdb-spc.js';
import { parseReportLuns } from './report-luns.js';

test('REPORT LUNS', () => {
  const l = Buffer.from([0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x41, 0x00, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(parseReportLuns(l), [0, 256]);
});

test('LUN LIST LENGTH bounds the list; other addressing methods are skipped', () => {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(24, 0);
  const d = Buffer.concat([head, encodeLun(3), Buffer.from('c005000000000000', 'hex'), encodeLun(300), encodeLun(9)]);
  assert.deepEqual(parseReportLuns(d), [3, 300]);
  assert.deepEqual(parseReportLuns(d.subarray(0, 20)), [3], 'truncated by the allocation length');
  assert.deepEqual(parseReportLuns(d.subarray(0, 7)), []);
});

test('round trip: REPORT LUNS as the target encodes it', async () => {
  const f = fixture();
  assert.deepEqual(parseReportLuns((await f.run(nexus('iqn.1994-05.com.example:host1'), reportLuns(4096).cdb)).dataIn!), [0]);
});
