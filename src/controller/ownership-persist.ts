/**
 * Writes the moves computed by the pure ownership model (ownership.ts) to the store,
 * all or nothing: one IMMEDIATE transaction of compare-and-set updates (epoch and, with
 * a guard, the caller's lease). If any volume changed under us (stale epoch) or our
 * lease is gone (fenced), nothing is written and the caller re-reads and recomputes.
 * docs/ha.md "What is persisted where": ownership is persisted atomically before it
 * is acted on.
 */
import type { LeaseGuard, OwnershipCasResult, OwnershipRecord } from '../store/ownership-repo.js';
import type { OwnershipMove } from './ownership.js';

/** What applyMoves needs from Store (Store implements it). */
export interface OwnershipStore {
  transaction<T>(fn: () => T): T;
  readonly ownership: {
    compareAndSetOwner(volumeId: string, to: string, expectedEpoch: number, now: number, guard?: LeaseGuard): OwnershipCasResult;
  };
}

export type ApplyMovesResult =
  | { readonly ok: true; readonly records: readonly OwnershipRecord[] }
  | { readonly ok: false; readonly move: OwnershipMove; readonly reason: 'not-found' | 'stale-epoch' | 'fenced' };

class Rollback extends Error {
  constructor(readonly result: Extract<ApplyMovesResult, { ok: false }>) {
    super('rollback');
  }
}

export function applyMoves(store: OwnershipStore, moves: readonly OwnershipMove[], now: number, guard?: LeaseGuard): ApplyMovesResult {
  try {
    return store.transaction(() => {
      const records: OwnershipRecord[] = [];
      for (const m of moves) {
        const r = store.ownership.compareAndSetOwner(m.volumeId, m.to, m.fromEpoch, now, guard);
        if (!r.ok) throw new Rollback({ ok: false, move: m, reason: r.reason });
        records.push(r.record);
      }
      return { ok: true as const, records };
    });
  } catch (err) {
    if (err instanceof Rollback) return err.result;
    throw err;
  }
}
