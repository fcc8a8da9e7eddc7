import test from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { extentsFromMappedRuns } from './extents.js';

test('holes and data alternate, neighbours merge, the range is covered exactly', () => {
  assert.deepEqual(extentsFromMappedRuns(0, 100, []), [{ offset: 0, length: 100, mapped: false }]);
  assert.deepEqual(extentsFromMappedRuns(0, 100, [[10, 20], [20, 30], [50, 200]]), [
    { offset: 0, length: 10, mapped: false },
    { offset: 10, length: 20, mapped: true },
    { offset: 30, length: 20, mapped: false },
    { offset: 50, length: 50, mapped: true },
  ]);
});

test('property: extents tile [offset, end) with alternating states', () => {
  fc.assert(fc.property(fc.nat(1000), fc.nat(1000), fc.array(fc.tuple(fc.nat(2500), fc.nat(300))), (offset, len, raw) => {
    const end = offset + len;
    const runs = raw.map(([s, l]) => [s, s + l] as const).sort((a, b) => a[0] - b[0]);
    const out = extentsFromMappedRuns(offset, end, runs);
    let pos = offset;
    for (const [i, e] of out.entries()) {
      assert.equal(e.offset, pos);
      assert.ok(e.length > 0);
      if (i > 0) assert.notEqual(e.mapped, out[i - 1]!.mapped);
      pos += e.length;
    }
    assert.equal(pos, end);
  }));
});
