/**
 * Path selectors within the best usable group (dm-multipath's "round-robin 0" and
 * "queue-length 0", in spirit). A selector keeps only its own cursor; it is given the
 * candidate paths (all alive, all of the best priority) on every call.
 */
export type SelectorName = 'round-robin' | 'least-queue-depth';

export interface SelectablePath {
  readonly id: string;
  readonly inflight: number;
}

export interface PathSelector {
  readonly name: SelectorName;
  select<P extends SelectablePath>(candidates: readonly P[]): P | undefined;
}

/** Each I/O to the next path in id order after the one used last. */
export class RoundRobinSelector implements PathSelector {
  readonly name = 'round-robin' as const;
  private last: string | undefined;
  select<P extends SelectablePath>(candidates: readonly P[]): P | undefined {
    if (candidates.length === 0) return undefined;
    const sorted = [...candidates].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const next = (this.last === undefined ? undefined : sorted.find((p) => p.id > this.last!)) ?? sorted[0]!;
    this.last = next.id;
    return next;
  }
}

/** The path with the fewest I/Os in flight; ties go round-robin so idle paths share load. */
export class LeastQueueDepthSelector implements PathSelector {
  readonly name = 'least-queue-depth' as const;
  private rr = new RoundRobinSelector();
  select<P extends SelectablePath>(candidates: readonly P[]): P | undefined {
    if (candidates.length === 0) return undefined;
    const min = Math.min(...candidates.map((p) => p.inflight));
    return this.rr.select(candidates.filter((p) => p.inflight === min));
  }
}

export function createSelector(name: SelectorName): PathSelector {
  return name === 'round-robin' ? new RoundRobinSelector() : new LeastQueueDepthSelector();
}
