// New volumes' owners (ownership-rows.ts): the operator's choice, else the least loaded
// controller that can serve now. Prevents a volume created while B is disabled going to
// B, where every I/O got NOT READY 04h/0Bh (issue 9).
import test from 'node:test';
import assert from 'node:assert/strict';
import type { OwnershipRecord } from '../store/ownership-repo.js';
import { choosePreferred, ensureOwnershipRows } from './ownership-rows.js';

function rows(existing: Array<[string, string]>, missing: string[]) {
  const list: Array<Pick<OwnershipRecord, 'volumeId' | 'preferredOwner' | 'currentOwner'>> = existing.map(([volumeId, o]) => ({ volumeId, preferredOwner: o, currentOwner: o }));
  const todo = [...missing];
  return {
    list: () => list as OwnershipRecord[],
    missing: () => todo.splice(0),
    insert: (v: { volumeId: string; preferredOwner: string; currentOwner?: string }) => {
      list.push({ volumeId: v.volumeId, preferredOwner: v.preferredOwner, currentOwner: v.currentOwner ?? v.preferredOwner });
      return list.at(-1) as OwnershipRecord;
    },
  };
}

test('the least loaded of the candidates; a controller that is not a candidate never gets one', () => {
  const r = rows([['v1', 'A']], []);
  assert.equal(choosePreferred(r, ['A', 'B']), 'B');
  assert.equal(choosePreferred(r, ['A']), 'A', 'B disabled: A, though it has more');
});

test('ensureOwnershipRows: named owners first, the rest spread over the candidates', () => {
  const r = rows([['v1', 'A']], ['v2', 'v3', 'v4']);
  ensureOwnershipRows(r, ['A'], { v4: 'B' });
  assert.deepEqual(r.list().map((x) => `${x.volumeId}:${x.preferredOwner}/${x.currentOwner}`), ['v1:A/A', 'v2:A/A', 'v3:A/A', 'v4:B/B']);
});
