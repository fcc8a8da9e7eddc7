/**
 * A FIFO of received bytes kept as a list of chunks, so that a large WRITE payload
 * arriving in many small TCP segments is copied once (when it is complete), not on
 * every segment.
 */
export class ByteQueue {
  private chunks: Buffer[] = [];
  private head = 0; // bytes already consumed from chunks[0]
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** The first n bytes (n <= length) without consuming them. */
  peek(n: number): Buffer {
    if (n > this.total) throw new RangeError(`peek ${n} of ${this.total}`);
    const first = this.chunks[0];
    if (first && first.length - this.head >= n) return first.subarray(this.head, this.head + n);
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    let skip = this.head;
    for (const c of this.chunks) {
      const k = Math.min(c.length - skip, n - filled);
      c.copy(out, filled, skip, skip + k);
      filled += k;
      skip = 0;
      if (filled === n) break;
    }
    return out;
  }

  /** Consume and return the first n bytes (n <= length). */
  take(n: number): Buffer {
    const out = this.peek(n);
    this.skip(n);
    // A view into a chunk we keep referencing is fine: chunks are never written to.
    return out;
  }

  /** Drop up to n bytes; returns how many were dropped. */
  skip(n: number): number {
    let left = Math.min(n, this.total);
    const dropped = left;
    while (left > 0) {
      const c = this.chunks[0]!;
      const avail = c.length - this.head;
      if (avail <= left) {
        this.chunks.shift();
        this.head = 0;
        left -= avail;
      } else {
        this.head += left;
        left = 0;
      }
    }
    this.total -= dropped;
    return dropped;
  }
}
