import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TIMING, initialSnapshot, transition, type PathEffect, type PathSnapshot } from './path-state.js';

const alive = (): PathSnapshot => initialSnapshot({ reachable: true, linkUp: true, alua: 'active-optimized', at: 0 });
const types = (e: PathEffect[]): string[] => e.map((x) => x.type);

test('link-down kills at once; link-up only asks for a check; a good check reinstates and re-reads RTPG', () => {
  let [s, e] = transition(alive(), { type: 'link-down', at: 1 });
  assert.equal(s.state, 'dead');
  assert.deepEqual(types(e), ['log', 'usable-changed']);
  [s, e] = transition(s, { type: 'link-up', at: 2 });
  assert.equal(s.state, 'dead');
  assert.deepEqual(e, [{ type: 'check-soon', delayMs: 0 }]);
  [s, e] = transition(s, { type: 'check', result: 'good', at: 3 });
  assert.equal(s.state, 'alive');
  assert.deepEqual(types(e), ['refresh-alua', 'log', 'usable-changed']);
  assert.equal(s.since, 3);
});

test('I/O transport error: dead, failure counted, checked at once', () => {
  const [s, e] = transition(alive(), { type: 'io-failed', at: 5 });
  assert.equal(s.state, 'dead');
  assert.equal(s.failures, 1);
  assert.deepEqual(e[0], { type: 'check-soon', delayMs: 0 });
});

test('ALUA senses: standby and unavailable are ghost, 04h/0Ah is transitioning with a re-check', () => {
  let [s, e] = transition(alive(), { type: 'io-sense', alua: 'standby', at: 1 });
  assert.equal(s.state, 'ghost');
  assert.ok(types(e).includes('refresh-alua'));
  [s] = transition(alive(), { type: 'check', result: 'unavailable', at: 1 });
  assert.equal(s.state, 'ghost');
  [s, e] = transition(alive(), { type: 'io-sense', alua: 'transitioning', at: 1 });
  assert.equal(s.state, 'transitioning');
  assert.deepEqual(e.find((x) => x.type === 'check-soon'), { type: 'check-soon', delayMs: 100 });
  [s] = transition(s, { type: 'alua', state: 'active-non-optimized', at: 2 });
  assert.equal(s.state, 'alive');
});

test('a transition that lasts longer than transitionTimeoutMs counts as ghost', () => {
  const timing = { ...DEFAULT_TIMING, transitionTimeoutMs: 1000 };
  let [s] = transition(alive(), { type: 'alua', state: 'transitioning', at: 0 }, timing);
  [s] = transition(s, { type: 'check', result: 'transitioning', at: 999 }, timing);
  assert.equal(s.state, 'transitioning');
  [s] = transition(s, { type: 'check', result: 'transitioning', at: 1000 }, timing);
  assert.equal(s.state, 'ghost');
});

test('a good TUR through a port believed standby asks RTPG; a checker failure on a dead path stays quiet', () => {
  const [g] = transition(alive(), { type: 'alua', state: 'standby', at: 0 });
  const [, e] = transition(g, { type: 'check', result: 'good', at: 1 });
  assert.deepEqual(types(e), ['refresh-alua']);
  const [d] = transition(alive(), { type: 'link-down', at: 0 });
  const [d2, e2] = transition(d, { type: 'check', result: 'failed', at: 1 });
  assert.equal(d2.state, 'dead');
  assert.deepEqual(e2, []);
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(d2)));
});

test('flap damping: a second I/O failure within flapWindowMs delays the re-check', () => {
  let [s, e] = transition(alive(), { type: 'io-failed', at: 1000 });
  assert.deepEqual(e[0], { type: 'check-soon', delayMs: 0 });
  [s] = transition(s, { type: 'check', result: 'good', at: 1001 });
  [s, e] = transition(s, { type: 'io-failed', at: 1002 });
  assert.deepEqual(e[0], { type: 'check-soon', delayMs: 1000 });
  [s] = transition(s, { type: 'check', result: 'good', at: 3000 });
  [, e] = transition(s, { type: 'io-failed', at: 20_000 });
  assert.deepEqual(e[0], { type: 'check-soon', delayMs: 0 });
});
