/**
 * Reuse of large write-gathering buffers (RFC 7143 §11.7 Data-Out lands in them).
 *
 * Every large WRITE otherwise allocates a fresh buffer of its Expected Data Transfer
 * Length; at hundreds of MiB/s that churn of external memory drives V8 into a full
 * mark-compact every few dozen milliseconds. A buffer comes back here only once its
 * command has completed (the device write resolved: the bytes are in the kernel or were
 * copied), and only for plain WRITE commands, whose handlers keep no reference to the
 * Data-Out after they return. Bounded per size and in total; one pool per connection.
 */

/** Buffers smaller than this are cheap enough to allocate (and come from Node's own pool). */
export const POOLED_MIN = 64 * 1024;
const PER_SIZE_MAX = 8;
const TOTAL_BYTES_MAX = 64 * 1024 * 1024;

export class WriteBufferPool {
  private readonly free = new Map<number, Buffer[]>();
  private readonly lent = new WeakSet<ArrayBufferLike>();
  private bytes = 0;

  /** A buffer of exactly n bytes (contents undefined). */
  take(n: number): Buffer {
    const list = n >= POOLED_MIN ? this.free.get(n) : undefined;
    let b = list?.pop();
    if (b === undefined) b = Buffer.allocUnsafeSlow(n);
    else this.bytes -= n;
    this.lent.add(b.buffer);
    return b;
  }

  /**
   * When `head` is the start of a buffer of n bytes this pool handed out (immediate data the
   * framer placed at the front of a write buffer), that whole buffer; else undefined.
   */
  adopt(head: Buffer, n: number): Buffer | undefined {
    if (head.byteOffset !== 0 || head.buffer.byteLength !== n || !this.lent.has(head.buffer)) return undefined;
    return Buffer.from(head.buffer, 0, n);
  }

  /** Give back a buffer obtained from take() that nothing references any more. */
  give(b: Buffer): void {
    const n = b.length;
    if (n < POOLED_MIN || b.byteOffset !== 0 || b.buffer.byteLength !== n) return;
    if (this.bytes + n > TOTAL_BYTES_MAX) return;
    let list = this.free.get(n);
    if (list === undefined) this.free.set(n, (list = []));
    if (list.length >= PER_SIZE_MAX) return;
    list.push(b);
    this.bytes += n;
  }

  /** Bytes held for reuse (tests, diagnostics). */
  get heldBytes(): number {
    return this.bytes;
  }
}
