/**
 * A RAM-backed BlockDevice for tests and benchmarks. Thin: storage is allocated in
 * 64 KiB chunks on first write and freed by discard(), so allocationStatus() is real.
 * Not durable by nature: flush() is a no-op.
 */
import type { AllocationExtent, BlockDevice } from './block-device.js';

const CHUNK = 64 * 1024;

export class MemoryDevice implements BlockDevice {
  readonly thin = true;
  private chunks = new Map<number, Buffer>();
  private _size: number;
  constructor(readonly blockSize: number, sizeBytes: number) {
    if (blockSize !== 512 && blockSize !== 4096) throw new RangeError(`block size must be 512 or 4096, got ${blockSize}`);
    if (sizeBytes % blockSize !== 0) throw new RangeError('size must be a multiple of the block size');
    this._size = sizeBytes;
  }
  get sizeBytes(): number {
    return this._size;
  }
  private check(offset: number, length: number): void {
    if (offset % this.blockSize !== 0 || length % this.blockSize !== 0 || offset < 0 || length < 0 || offset + length > this._size) {
      throw new RangeError(`bad range ${offset}+${length} on a ${this._size}-byte device of ${this.blockSize}-byte blocks`);
    }
  }
  async read(offset: number, length: number): Promise<Buffer> {
    this.check(offset, length);
    const out = Buffer.alloc(length);
    let pos = offset;
    while (pos < offset + length) {
      const idx = Math.floor(pos / CHUNK);
      const inChunk = pos - idx * CHUNK;
      const n = Math.min(CHUNK - inChunk, offset + length - pos);
      const c = this.chunks.get(idx);
      if (c) c.copy(out, pos - offset, inChunk, inChunk + n);
      pos += n;
    }
    return out;
  }
  async write(offset: number, data: Buffer): Promise<void> {
    this.check(offset, data.length);
    let pos = offset;
    while (pos < offset + data.length) {
      const idx = Math.floor(pos / CHUNK);
      const inChunk = pos - idx * CHUNK;
      const n = Math.min(CHUNK - inChunk, offset + data.length - pos);
      let c = this.chunks.get(idx);
      if (!c) {
        c = Buffer.alloc(CHUNK);
        this.chunks.set(idx, c);
      }
      data.copy(c, inChunk, pos - offset, pos - offset + n);
      pos += n;
    }
  }
  async flush(): Promise<void> {}
  async discard(offset: number, length: number): Promise<void> {
    this.check(offset, length);
    let pos = offset;
    while (pos < offset + length) {
      const idx = Math.floor(pos / CHUNK);
      const inChunk = pos - idx * CHUNK;
      const n = Math.min(CHUNK - inChunk, offset + length - pos);
      const c = this.chunks.get(idx);
      if (c) {
        if (n === CHUNK) this.chunks.delete(idx);
        else {
          c.fill(0, inChunk, inChunk + n);
          // A chunk left all zeros is freed too, so discard in pieces still deallocates.
          if (c.equals(Buffer.alloc(CHUNK))) this.chunks.delete(idx);
        }
      }
      pos += n;
    }
  }
  async allocationStatus(offset: number, length: number): Promise<AllocationExtent[]> {
    this.check(offset, length);
    const out: AllocationExtent[] = [];
    let pos = offset;
    while (pos < offset + length) {
      const idx = Math.floor(pos / CHUNK);
      const n = Math.min((idx + 1) * CHUNK - pos, offset + length - pos);
      const mapped = this.chunks.has(idx);
      const last = out[out.length - 1];
      if (last && last.mapped === mapped) last.length += n;
      else out.push({ offset: pos, length: n, mapped });
      pos += n;
    }
    return out;
  }
  async resize(newSizeBytes: number): Promise<void> {
    if (newSizeBytes % this.blockSize !== 0 || newSizeBytes < 0) throw new RangeError('size must be a multiple of the block size');
    if (newSizeBytes < this._size) {
      for (const idx of [...this.chunks.keys()]) if (idx * CHUNK >= newSizeBytes) this.chunks.delete(idx);
      const tailIdx = Math.floor(newSizeBytes / CHUNK);
      const c = this.chunks.get(tailIdx);
      if (c) c.fill(0, newSizeBytes - tailIdx * CHUNK);
    }
    this._size = newSizeBytes;
  }
  async close(): Promise<void> {
    this.chunks.clear();
  }
}
