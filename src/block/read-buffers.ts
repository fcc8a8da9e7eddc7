/**
 * Where FileDevice reads land. Small reads are views carved from a shared slab (like
 * Node's own Buffer pool; never reused). Large reads can be leased: the buffer goes back
 * to a per-size free list only when its holder releases it (after the transport has sent
 * it), so no two readers ever share one, and a double release changes nothing.
 */

/** Reads up to this size come from the slab; the slab is replaced when used up. */
const SLAB_READ_MAX = 16 * 1024;
const SLAB_SIZE = 256 * 1024;
/** Leases cover buffers up to this size, POOL_BYTES in all per device. */
const POOL_MAX = 1024 * 1024;
const POOL_BYTES = 16 * 1024 * 1024;

export class ReadBuffers {
  private slab: Buffer = Buffer.alloc(0);
  private slabUsed = 0;
  private readonly pool = new Map<number, Buffer[]>();
  private poolBytes = 0;

  /** A buffer for a read result. */
  forRead(length: number): Buffer {
    if (length > SLAB_READ_MAX) return Buffer.allocUnsafe(length);
    if (this.slabUsed + length > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
      this.slabUsed = 0;
    }
    const b = this.slab.subarray(this.slabUsed, this.slabUsed + length);
    this.slabUsed += length;
    return b;
  }

  /** A reusable buffer of `length` bytes, or undefined when leases do not cover that size. */
  lease(length: number, closed: () => boolean): { data: Buffer; release: () => void } | undefined {
    if (length > POOL_MAX) return undefined;
    let buf = this.pool.get(length)?.pop();
    if (buf) this.poolBytes -= length;
    else buf = Buffer.allocUnsafeSlow(length);
    const data = buf;
    let released = false;
    return {
      data,
      release: () => {
        if (released) return;
        released = true;
        if (!closed()) this.giveBack(data);
      },
    };
  }

  private giveBack(buf: Buffer): void {
    if (this.poolBytes + buf.length > POOL_BYTES) return;
    let free = this.pool.get(buf.length);
    if (!free) {
      free = [];
      this.pool.set(buf.length, free);
    }
    free.push(buf);
    this.poolBytes += buf.length;
  }
}
