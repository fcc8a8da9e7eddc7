import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALUA_STATE_CODE, type ReportedAluaState } from '../scsi/wire/index.js';
import { bestUsablePaths, buildPathGroups, followedState, type GroupablePath } from './path-groups.js';
import { LeastQueueDepthSelector, RoundRobinSelector } from './selector.js';

const P = (id: string, tpg: number, alua: GroupablePath['alua'], state: GroupablePath['state'] = 'alive', inflight = 0): GroupablePath => ({ id, tpg, alua, state, inflight });

test('groups sort AO > ANO > standby > unavailable; PREF breaks ties', () => {
  const g = buildPathGroups([P('a', 3, 'unavailable', 'ghost'), P('b', 2, 'active-non-optimized'), P('c', 1, 'standby', 'ghost'), P('d', 4, 'active-optimized'), P('e', 5, 'active-optimized')], new Map([[5, true]]));
  assert.deepEqual(g.map((x) => x.tpg), [5, 4, 2, 1, 3]);
  assert.deepEqual(bestUsablePaths(g).map((p) => p.id), ['e']);
});

test('best usable group skips groups without alive paths; equal priorities are used together', () => {
  const g = buildPathGroups([P('a', 1, 'active-optimized', 'dead'), P('b', 2, 'active-non-optimized'), P('c', 3, 'active-non-optimized'), P('d', 4, 'standby', 'ghost')]);
  assert.deepEqual(bestUsablePaths(g).map((p) => p.id).sort(), ['b', 'c']);
  assert.deepEqual(bestUsablePaths(buildPathGroups([P('d', 4, 'standby', 'ghost')])), []);
});

test('round-robin cycles through candidates in id order, surviving set changes', () => {
  const rr = new RoundRobinSelector();
  const c = [P('p2', 1, 'active-optimized'), P('p0', 1, 'active-optimized'), P('p1', 1, 'active-optimized')];
  assert.deepEqual([1, 2, 3, 4].map(() => rr.select(c)!.id), ['p0', 'p1', 'p2', 'p0']);
  assert.equal(rr.select([c[0]!, c[1]!])!.id, 'p2');
  assert.equal(rr.select<GroupablePath>([]), undefined);
});

test('least-queue-depth picks the least busy path, round-robin among ties', () => {
  const s = new LeastQueueDepthSelector();
  assert.equal(s.select([P('a', 1, 'active-optimized', 'alive', 3), P('b', 1, 'active-optimized', 'alive', 1), P('c', 1, 'active-optimized', 'alive', 2)])!.id, 'b');
  const ties = [P('a', 1, 'active-optimized', 'alive', 0), P('b', 1, 'active-optimized', 'alive', 0)];
  assert.deepEqual([s.select(ties)!.id, s.select(ties)!.id], ['a', 'b']);
});

test('a reported LBA dependent group is followed as unavailable; every other state as reported', () => {
  for (const s of Object.keys(ALUA_STATE_CODE) as ReportedAluaState[]) assert.equal(followedState(s), s === 'lba-dependent' ? 'unavailable' : s);
});
