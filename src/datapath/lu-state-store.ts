/**
 * The logical units' state in the state store (docs/ha.md «LU state belongs to the
 * array»): how a LogicalUnit's LuStatePersistence reads and writes `lu_state` and
 * `lu_unit_attention` (src/store/lu-state-repo.ts), and the power on of the whole array.
 *
 * - load: what a controller opening a volume, taking one over or getting one back reads;
 *   a row that does not decode is a CorruptStateError (the volume stays offline rather
 *   than serve with reservations forgotten);
 * - save: before the change is applied and acknowledged; in a dual-controller array with
 *   the writer guard (the volume's current owner with a current lease, checked by the
 *   store in the same transaction) — 'not-owner' otherwise;
 * - kept unit attentions: handed to a nexus that appears, removed once reported (by
 *   whichever controller reports it);
 * - powerOnLuState: `tandem up` of the whole array (lu-state.ts luStateAfterPowerOn:
 *   PR state only with APTPL, SPC-4 §5.9.4; no SPC-2 reservation; default mode values;
 *   no kept unit attentions).
 */
import { CorruptStateError } from '../lib/errors.js';
import {
  isDurableUa, luStateAfterPowerOn, luStateFromParts, regMatches, type KnownNexus, type LuStateJson, type LuStatePersistence, type SenseReason,
} from '../scsi/index.js';
import type { LeaseGuard, LuStateParts, LuStateRecord, Store } from '../store/index.js';

function parseJson(text: string | null, what: string): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CorruptStateError(`${what} is not JSON`);
  }
}

function decode(r: LuStateRecord | undefined, volumeId: string): LuStateJson {
  const s = luStateFromParts({
    pr: parseJson(r?.prState ?? null, `PR state of volume ${volumeId}`),
    spc2Holder: r?.spc2Holder ?? null,
    mode: parseJson(r?.mode ?? null, `mode values of volume ${volumeId}`),
  });
  if (typeof s === 'string') throw new CorruptStateError(`LU state of volume ${volumeId} in the state store: ${s}`);
  return s;
}

export function encodeLuState(s: LuStateJson): LuStateParts {
  return { prState: JSON.stringify(s.pr), spc2Holder: s.spc2Holder, mode: JSON.stringify(s.mode) };
}

/** The LU state of a volume as the store has it (the empty state when it has none yet). */
export function loadLuState(store: Store, volumeId: string): LuStateJson {
  return decode(store.luState.get(volumeId), volumeId);
}

export interface LuStateStoreOptions {
  /** Dual-controller array: who writes, checked against ownership and lease in the save's transaction. */
  writer?: () => LeaseGuard;
  /** After a save (the peer controller's mirror). */
  saved?: (s: LuStateJson) => void;
}

/** The persistence of one volume's logical unit, starting from what the store has. */
export function luStatePersistence(store: Store, volumeId: string, o: LuStateStoreOptions = {}): LuStatePersistence {
  const matching = (n: KnownNexus, reason?: SenseReason) =>
    store.luState.keptUas(volumeId).filter((u) => (reason === undefined || u.reason === reason) && regMatches(u, n));
  return {
    initial: loadLuState(store, volumeId),
    save: async (c) => {
      const r = store.luState.save(volumeId, encodeLuState(c.state), c.uas, Date.now(), o.writer?.());
      if (r === 'saved') o.saved?.(c.state);
      return r;
    },
    pendingFor: (n) => matching(n).map((u) => u.reason).filter((r): r is SenseReason => isDurableUa(r as SenseReason)),
    reported: (n, reason) => store.luState.deleteUas(matching(n, reason).map((u) => u.id)),
  };
}

export interface PowerOnSummary {
  /** Volumes whose registrations and reservation survived (APTPL set). */
  kept: string[];
  /** Volumes whose registrations or reservation were released (APTPL not set). */
  released: string[];
}

/** Power on of the whole array: every volume's LU state as SPC-4 leaves it after a loss of power. */
export function powerOnLuState(store: Store, now: number): PowerOnSummary {
  const out: PowerOnSummary = { kept: [], released: [] };
  const before = store.luState.powerOn((r) => {
    let s: LuStateJson | undefined;
    try {
      s = decode(r, r.volumeId);
    } catch {
      s = undefined; // a row that does not decode starts over empty, as after a power loss without APTPL
    }
    return encodeLuState(luStateAfterPowerOn(s));
  }, now);
  for (const r of before) {
    let s: LuStateJson | undefined;
    try { s = decode(r, r.volumeId); } catch { s = undefined; }
    if (!s || (s.pr.registrations.length === 0 && s.pr.reservation === null)) continue;
    (s.pr.aptpl ? out.kept : out.released).push(r.volumeId);
  }
  return out;
}
