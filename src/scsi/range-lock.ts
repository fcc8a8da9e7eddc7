/**
 * Range lock over logical blocks (implements LuLock). Writers of overlapping ranges run
 * one after another in arrival order; disjoint ranges run in parallel. This is what
 * makes COMPARE AND WRITE atomic (SBC-4 §5.3: the compare and the write "shall be
 * performed as an uninterrupted series of actions") against every other writer that
 * also takes the lock. A waiter never overtakes an earlier overlapping waiter, so no
 * writer starves.
 */
import type { LuLock } from './command-context.js';

interface Span {
  start: number;
  end: number;
}
interface Waiter extends Span {
  grant: () => void;
}

function overlaps(a: Span, b: Span): boolean {
  return a.start < b.end && b.start < a.end;
}

export class RangeLock implements LuLock {
  private readonly held: Span[] = [];
  private waiting: Waiter[] = [];

  async withRange<T>(lba: number, blocks: number, fn: () => Promise<T>): Promise<T> {
    const span: Span = { start: lba, end: lba + Math.max(1, blocks) };
    // Fast path (the common case): nothing held or queued overlaps — take it without a hop.
    const token = this.tryTake(span) ?? (await this.acquire(span));
    try {
      return await fn();
    } finally {
      this.release(token);
    }
  }

  /** Number of holders plus waiters (for tests and diagnostics). */
  get activity(): number {
    return this.held.length + this.waiting.length;
  }

  private tryTake(span: Span): Span | undefined {
    if (this.waiting.length !== 0) return undefined;
    const held = this.held;
    for (let i = 0; i < held.length; i++) if (overlaps(held[i]!, span)) return undefined;
    held.push(span);
    return span;
  }

  /** Resolves with the span object now in `held` (the token release() removes). */
  private acquire(span: Span): Promise<Span> {
    if (!this.held.some((h) => overlaps(h, span)) && !this.waiting.some((w) => overlaps(w, span))) {
      this.held.push(span);
      return Promise.resolve(span);
    }
    return new Promise((resolve) => {
      const w: Waiter = { ...span, grant: () => resolve(w) };
      this.waiting.push(w);
    });
  }

  private release(span: Span): void {
    const i = this.held.indexOf(span);
    if (i >= 0) this.held.splice(i, 1);
    const still: Waiter[] = [];
    for (const w of this.waiting) {
      if (!this.held.some((h) => overlaps(h, w)) && !still.some((s) => overlaps(s, w))) {
        this.held.push(w);
        w.grant();
      } else {
        still.push(w);
      }
    }
    this.waiting = still;
  }
}
