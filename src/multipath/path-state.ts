/**
 * The state of one path, as a pure state machine: transition(snapshot, event) →
 * [snapshot, effects]. Modelled on multipath-tools (checker state × prioritizer) with
 * ALUA from SPC-4 §5.16.2.
 *
 * States (PathState):
 *   alive          reachable, and its target port group is active/optimized or
 *                  active/non-optimized: eligible for I/O.
 *   ghost          reachable, but the group is standby, unavailable or offline
 *                  (multipath-tools' PATH_GHOST): kept, checked, never used for I/O.
 *   transitioning  reachable, the group is in an ALUA transition (04h/0Ah or RTPG says
 *                  so): not used for I/O, re-checked after `transitionRetryMs`; if it stays
 *                  transitioning longer than `transitionTimeoutMs` it counts as ghost.
 *   dead           not reachable: the connection is down, the checker's TEST UNIT READY
 *                  failed, or an I/O came back with a transport error.
 *
 * The state is derived, never stored independently:
 *   state = !reachable ? dead : alua ∈ {AO, ANO} ? alive
 *         : alua = transitioning && (now - transitioningSince) < transitionTimeoutMs ? transitioning
 *         : ghost
 *
 * Events:
 *   link-down / link-up    the transport's 'down' / 'up'. link-down ⇒ unreachable at once;
 *                          link-up does NOT reinstate: it asks for a check (check-soon), and
 *                          only a good checker result makes the path reachable again.
 *   check                  a checker result: good | standby | unavailable | transitioning
 *                          (TUR answered, possibly with 04h/0Bh, 0Ch, 0Ah) | ua-alua (UA 2Ah/06h)
 *                          | ua (other unit attention) | failed (transport error, other NOT READY).
 *   io-failed              an I/O on this path ended with a transport error.
 *   io-sense               an I/O got NOT READY 04h/0Ah, 0Bh or 0Ch: the group's state is known.
 *   alua                   REPORT TARGET PORT GROUPS said this path's group is in `state`.
 *
 * Effects:
 *   refresh-alua     re-read RTPG: the state the path reports disagrees with what we knew,
 *                    a UA 2Ah/06h arrived, or a dead path was reinstated.
 *   check-soon       run the checker on this path after `delayMs` (link-up: 0;
 *                    transitioning: transitionRetryMs; io-failed: 0, or flapRecheckMs
 *                    when the path already failed within flapWindowMs — a path whose TUR
 *                    passes but whose I/O keeps failing is retried at most that often).
 *   usable-changed   the path entered or left `alive`: re-evaluate queued I/O and failover.
 *   log              a human-readable line when the state changes.
 */
import type { AluaStateName } from '../scsi/wire/index.js';

export type PathState = 'alive' | 'dead' | 'ghost' | 'transitioning';

export interface PathSnapshot {
  state: PathState;
  reachable: boolean;
  linkUp: boolean;
  alua: AluaStateName;
  /** When the group entered transitioning (ms), or null. */
  transitioningSince: number | null;
  /** Consecutive failures (checker or I/O) since the last good check. */
  failures: number;
  /** When the path last failed (checker or I/O), or null. */
  lastFailureAt: number | null;
  /** When `state` last changed (ms). */
  since: number;
}

export type CheckResult = 'good' | 'standby' | 'unavailable' | 'transitioning' | 'ua-alua' | 'ua' | 'failed';

export type PathEvent =
  | { type: 'link-down'; at: number }
  | { type: 'link-up'; at: number }
  | { type: 'check'; result: CheckResult; at: number }
  | { type: 'io-failed'; at: number }
  | { type: 'io-sense'; alua: 'transitioning' | 'standby' | 'unavailable'; at: number }
  | { type: 'alua'; state: AluaStateName; at: number };

export type PathEffect =
  | { type: 'refresh-alua' }
  | { type: 'check-soon'; delayMs: number }
  | { type: 'usable-changed'; usable: boolean }
  | { type: 'log'; message: string };

export interface PathTiming {
  transitionRetryMs: number;
  transitionTimeoutMs: number;
  flapWindowMs: number;
  flapRecheckMs: number;
}

export const DEFAULT_TIMING: PathTiming = { transitionRetryMs: 100, transitionTimeoutMs: 60_000, flapWindowMs: 10_000, flapRecheckMs: 1000 };

export function initialSnapshot(opts: { reachable: boolean; linkUp: boolean; alua: AluaStateName; at: number }): PathSnapshot {
  const s: PathSnapshot = { state: 'dead', reachable: opts.reachable, linkUp: opts.linkUp, alua: opts.alua, transitioningSince: opts.alua === 'transitioning' ? opts.at : null, failures: 0, lastFailureAt: null, since: opts.at };
  s.state = derive(s, opts.at, DEFAULT_TIMING);
  return s;
}

function derive(s: PathSnapshot, now: number, t: PathTiming): PathState {
  if (!s.reachable) return 'dead';
  if (s.alua === 'active-optimized' || s.alua === 'active-non-optimized') return 'alive';
  if (s.alua === 'transitioning' && (s.transitioningSince === null || now - s.transitioningSince < t.transitionTimeoutMs)) return 'transitioning';
  return 'ghost';
}

function withAlua(s: PathSnapshot, alua: AluaStateName, at: number): PathSnapshot {
  if (alua === s.alua) return s;
  return { ...s, alua, transitioningSince: alua === 'transitioning' ? at : null };
}

export function transition(prev: PathSnapshot, ev: PathEvent, timing: PathTiming = DEFAULT_TIMING): [PathSnapshot, PathEffect[]] {
  const effects: PathEffect[] = [];
  let s: PathSnapshot = { ...prev };
  switch (ev.type) {
    case 'link-down':
      s.linkUp = false;
      s.reachable = false;
      break;
    case 'link-up':
      s.linkUp = true;
      if (!s.reachable) effects.push({ type: 'check-soon', delayMs: 0 });
      break;
    case 'io-failed': {
      const flapping = prev.lastFailureAt !== null && ev.at - prev.lastFailureAt < timing.flapWindowMs;
      s.reachable = false;
      s.failures += 1;
      s.lastFailureAt = ev.at;
      effects.push({ type: 'check-soon', delayMs: flapping ? timing.flapRecheckMs : 0 });
      break;
    }
    case 'io-sense':
      s = withAlua(s, ev.alua, ev.at);
      effects.push({ type: 'refresh-alua' });
      if (ev.alua === 'transitioning') effects.push({ type: 'check-soon', delayMs: timing.transitionRetryMs });
      break;
    case 'alua':
      s = withAlua(s, ev.state, ev.at);
      if (ev.state === 'transitioning') effects.push({ type: 'check-soon', delayMs: timing.transitionRetryMs });
      break;
    case 'check': {
      if (ev.result === 'failed') {
        s.reachable = false;
        s.failures += 1;
        s.lastFailureAt = ev.at;
        break;
      }
      const wasDead = !s.reachable;
      s.reachable = true;
      s.linkUp = true;
      s.failures = 0;
      if (wasDead) effects.push({ type: 'refresh-alua' });
      if (ev.result === 'standby' || ev.result === 'unavailable' || ev.result === 'transitioning') {
        if (s.alua !== ev.result) effects.push({ type: 'refresh-alua' });
        s = withAlua(s, ev.result, ev.at);
        if (ev.result === 'transitioning') effects.push({ type: 'check-soon', delayMs: timing.transitionRetryMs });
      } else if (ev.result === 'ua-alua') {
        effects.push({ type: 'refresh-alua' });
      } else if (ev.result === 'good' && s.alua !== 'active-optimized' && s.alua !== 'active-non-optimized') {
        // TUR succeeded through a port we believed unable to do media access: ask RTPG.
        effects.push({ type: 'refresh-alua' });
      }
      break;
    }
  }
  s.state = derive(s, ev.at, timing);
  if (s.state !== prev.state) {
    s.since = ev.at;
    effects.push({ type: 'log', message: `path ${prev.state} → ${s.state} (${ev.type}${ev.type === 'check' ? ` ${ev.result}` : ''}, ALUA ${s.alua})` });
    if ((s.state === 'alive') !== (prev.state === 'alive')) effects.push({ type: 'usable-changed', usable: s.state === 'alive' });
  }
  // dedupe refresh-alua
  const seen = new Set<string>();
  return [s, effects.filter((e) => (e.type === 'refresh-alua' ? !seen.has(e.type) && (seen.add(e.type), true) : true))];
}
