/**
 * Before a supervisor forks its controllers (docs/processes.md "Starting twice"): the
 * data directory lock is ours, but a controller of an earlier array may still hold its
 * lease in the store — an orphan of a supervisor killed a moment ago (it exits when its
 * IPC channel closes), a hung one (SIGSTOP), or a controller of an array that runs
 * without the lock (its lock file was deleted by hand). A new controller's lease
 * acquisition bumps the epoch and fences whatever is left, so a lease that just expires
 * is no obstacle; a lease that keeps being renewed is a live array, and starting over it
 * would fence it: refuse.
 *
 * Waits while any controller lease is valid, at most two lease periods: a live renewer
 * renews every leaseMs/4, so by then its lease is valid and newer than at the first
 * look; an orphan stops renewing and its lease runs out within one period.
 */
import { ConflictError } from '../lib/errors.js';
import type { LeaseRecord, LeaseRepo } from '../store/lease-repo.js';

export interface PreviousControllersDeps {
  leases: Pick<LeaseRepo, 'list'>;
  leaseMs: number;
  now(): number;
  sleep(ms: number): Promise<void>;
  pollMs?: number;
}

export interface PreviousControllers {
  /** Leases that were still valid at the first look and ran out while we waited. */
  expired: LeaseRecord[];
  waitedMs: number;
}

export async function waitForPreviousControllers(d: PreviousControllersDeps): Promise<PreviousControllers> {
  const t0 = d.now();
  const first = d.leases.list().filter((l) => l.expiresAt > t0);
  if (first.length === 0) return { expired: [], waitedMs: 0 };
  const before = new Map(first.map((l) => [l.name, l.renewedAt]));
  const deadline = t0 + 2 * d.leaseMs;
  let now = t0;
  let valid = first;
  while (valid.length > 0 && now < deadline) {
    await d.sleep(d.pollMs ?? 50);
    now = d.now();
    valid = d.leases.list().filter((l) => l.expiresAt > now && before.has(l.name));
  }
  const renewing = valid.filter((l) => l.renewedAt > before.get(l.name)!);
  if (renewing.length > 0) {
    const who = renewing.map((l) => `controller ${l.name} (lease holder ${l.holder ?? 'unknown'}, epoch ${l.epoch})`).join(', ');
    throw new ConflictError(`another array is running on this data directory without holding its lock: ${who} keeps renewing its lease in the state store. ` +
      'Nothing was started; stop that array first (its supervisor is the parent of the holder process)');
  }
  return { expired: first, waitedMs: now - t0 };
}
