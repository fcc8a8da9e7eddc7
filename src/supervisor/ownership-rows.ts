/**
 * Every volume of a dual-controller array has an ownership row before the controllers
 * hear of it. A new volume's preferred (and current) owner is the controller with the
 * fewest preferred volumes (ties: by name), so volumes spread over the controllers.
 */
import type { OwnershipRepo } from '../store/ownership-repo.js';

type Rows = Pick<OwnershipRepo, 'list' | 'missing' | 'insert'>;

/** The controller with the fewest preferred volumes. */
export function choosePreferred(rows: Pick<OwnershipRepo, 'list'>, controllers: readonly string[]): string {
  const counts = new Map(controllers.map((n) => [n, 0]));
  for (const r of rows.list()) counts.set(r.preferredOwner, (counts.get(r.preferredOwner) ?? 0) + 1);
  return [...counts].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))[0]![0];
}

/** Gives each volume without an ownership row one. */
export function ensureOwnershipRows(rows: Rows, controllers: readonly string[], now = Date.now()): void {
  for (const id of rows.missing()) {
    const owner = choosePreferred(rows, controllers);
    rows.insert({ volumeId: id, preferredOwner: owner, currentOwner: owner }, now);
  }
}
