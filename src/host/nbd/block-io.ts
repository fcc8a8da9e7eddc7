/**
 * Byte-granular I/O over a BlockDevice whose methods take whole blocks. NBD clients
 * that did not ask for block size constraints may send any offset and length; the
 * partial blocks at the edges are read, patched and written back (the caller keeps
 * overlapping requests ordered, see inflight-order.ts).
 */
import type { BlockDevice } from '../../block/block-device.js';

const ZERO_CHUNK = 1024 * 1024;

export function alignedSpan(bs: number, offset: number, length: number): { start: number; end: number } {
  return { start: Math.floor(offset / bs) * bs, end: Math.ceil((offset + length) / bs) * bs };
}

export async function readBytes(dev: BlockDevice, offset: number, length: number): Promise<Buffer> {
  if (length === 0) return Buffer.alloc(0);
  const { start, end } = alignedSpan(dev.blockSize, offset, length);
  const buf = await dev.read(start, end - start);
  return start === offset && end === offset + length ? buf : buf.subarray(offset - start, offset - start + length);
}

export async function writeBytes(dev: BlockDevice, offset: number, data: Buffer, fua: boolean): Promise<void> {
  if (data.length === 0) return fua ? dev.flush() : undefined;
  const { start, end } = alignedSpan(dev.blockSize, offset, data.length);
  if (start === offset && end === offset + data.length) return dev.write(offset, data, fua ? { fua: true } : undefined);
  const buf = Buffer.from(await dev.read(start, end - start));
  data.copy(buf, offset - start);
  return dev.write(start, buf, fua ? { fua: true } : undefined);
}

/** Writes zeros over [offset, offset+length), at most 1 MiB per device call. */
export async function zeroBytes(dev: BlockDevice, offset: number, length: number, fua: boolean): Promise<void> {
  const bs = dev.blockSize;
  const end = offset + length;
  let pos = offset;
  const zeros = Buffer.alloc(Math.max(ZERO_CHUNK, bs));
  while (pos < end) {
    const aligned = pos % bs === 0;
    if (aligned && end - pos >= bs) {
      const n = Math.min(ZERO_CHUNK, Math.floor((end - pos) / bs) * bs);
      await dev.write(pos, zeros.subarray(0, n), fua ? { fua: true } : undefined);
      pos += n;
    } else {
      const n = Math.min(end - pos, bs - (pos % bs));
      await writeBytes(dev, pos, zeros.subarray(0, n), fua);
      pos += n;
    }
  }
}

/**
 * NBD_CMD_TRIM → discard of the whole blocks inside the range ("a hint": partial
 * blocks at the edges are left alone, which the spec allows since trimmed data
 * need not read back as zeros).
 */
export async function trimBytes(dev: BlockDevice, offset: number, length: number, fua: boolean): Promise<void> {
  const bs = dev.blockSize;
  const s = Math.ceil(offset / bs) * bs;
  const e = Math.floor((offset + length) / bs) * bs;
  if (e > s) await dev.discard(s, e - s);
  if (fua) await dev.flush();
}
