import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CDB, fixture, nexus, sense } from '../test-support/fixture.js';
import { encodeLun } from '../../lib/lun.js';

const I1 = nexus('iqn.1994-05.com.example:host1');

test('REPORT LUNS lists the mapped LUN; also on an unmapped LUN', async () => {
  const f = fixture();
  for (const lun of [0, 5]) {
    const d = (await f.run(I1, CDB.reportLuns(), undefined, lun)).dataIn!;
    assert.equal(d.readUInt32BE(0), 8);
    assert.deepEqual(d.subarray(8, 16), encodeLun(0));
  }
});

test('REPORT LUNS: well-known only is empty; bad select or allocation < 16 is INVALID FIELD IN CDB', async () => {
  const f = fixture();
  assert.equal((await f.run(I1, CDB.reportLuns(1))).dataIn!.readUInt32BE(0), 0);
  assert.deepEqual(sense(await f.run(I1, CDB.reportLuns(0x10))), [5, 0x24, 0]);
  assert.deepEqual(sense(await f.run(I1, CDB.reportLuns(0, 15))), [5, 0x24, 0]);
});

test('LUN encoding: peripheral below 256, flat space above', () => {
  assert.deepEqual([...encodeLun(3).subarray(0, 2)], [0, 3]);
  assert.deepEqual([...encodeLun(300).subarray(0, 2)], [0x41, 0x2c]);
});
