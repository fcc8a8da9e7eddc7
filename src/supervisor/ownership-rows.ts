/**
 * Every volume of a dual-controller array has an ownership row before the controllers
 * hear of it. A new volume's preferred (and current) owner is the one the operator named,
 * or else the controller with the fewest preferred volumes among those that can serve it
 * now (docs/ha.md "Ownership and ALUA": ownership only goes to a controller that can
 * serve; ties by name), so volumes spread over the live controllers.
 */
import type { OwnershipRepo } from '../store/ownership-repo.js';

type Rows = Pick<OwnershipRepo, 'list' | 'missing' | 'insert'>;

/** The controller of `candidates` with the fewest preferred volumes (ties: by name). */
export function choosePreferred(rows: Pick<OwnershipRepo, 'list'>, candidates: readonly string[]): string {
  const counts = new Map(candidates.map((n) => [n, 0]));
  for (const r of rows.list()) if (counts.has(r.preferredOwner)) counts.set(r.preferredOwner, counts.get(r.preferredOwner)! + 1);
  return [...counts].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))[0]![0];
}

/**
 * Gives each volume without an ownership row one: the owner `named` gives it, else the
 * least loaded of `candidates` (the controllers online now; every controller when none is).
 */
export function ensureOwnershipRows(rows: Rows, candidates: readonly string[], named: Readonly<Record<string, string>> = {}, now = Date.now()): void {
  for (const id of rows.missing()) {
    const owner = named[id] ?? choosePreferred(rows, candidates);
    rows.insert({ volumeId: id, preferredOwner: owner, currentOwner: owner }, now);
  }
}
