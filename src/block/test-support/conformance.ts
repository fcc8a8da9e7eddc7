/**
 * The BlockDevice conformance suite (block-device.ts is the contract). Every back end
 * runs it from its own test file:
 *
 *   blockDeviceConformance('MemoryDevice', async (size, bs) => ({ dev: new MemoryDevice(bs, size), cleanup: async () => {} }));
 *
 * It registers node:test suites for 512- and 4096-byte blocks. `exactAllocation` (default:
 * dev.thin) says the device reports holes; a device that reports everything as mapped
 * (e.g. FileDevice without its native addon) still must read zeros after discard.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { AllocationExtent, BlockDevice } from '../block-device.js';

export type ConformanceBlockSize = 512 | 4096;
export type BlockDeviceFactory = (
  sizeBytes: number,
  blockSize: ConformanceBlockSize,
) => Promise<{ dev: BlockDevice; cleanup: () => Promise<void> }>;

export interface ConformanceOptions {
  /** The device reports discarded, never-written space as deallocated. Default: dev.thin. */
  exactAllocation?: boolean;
  /** fast-check runs per property (default 40). */
  numRuns?: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** Deterministic, position-dependent bytes: a block written to the wrong place is caught. */
export function patternBlock(length: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  let x = (seed * 2654435761 + 0x9e3779b9) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  b.writeUInt32BE(seed >>> 0, 0); // never an all-zero block
  b[4] = 0xa5;
  return b;
}

function isZero(b: Buffer): boolean {
  return b.equals(Buffer.alloc(b.length));
}

/** Asserts `extents` tile [offset, offset+length) exactly, block-aligned, no empty extents. */
export function assertTiles(extents: AllocationExtent[], offset: number, length: number, blockSize: number): void {
  let pos = offset;
  for (const e of extents) {
    assert.equal(e.offset, pos, `extent starts at ${e.offset}, expected ${pos}: ${JSON.stringify(extents)}`);
    assert.ok(e.length > 0, `empty extent at ${e.offset}`);
    assert.equal(e.offset % blockSize, 0, 'extent offset is block-aligned');
    assert.equal(e.length % blockSize, 0, 'extent length is block-aligned');
    assert.equal(typeof e.mapped, 'boolean');
    pos += e.length;
  }
  assert.equal(pos, offset + length, `extents end at ${pos}, expected ${offset + length}`);
}

export function blockDeviceConformance(name: string, factory: BlockDeviceFactory, opts: ConformanceOptions = {}): void {
  const numRuns = opts.numRuns ?? 40;
  for (const bs of [512, 4096] as const) {
    describe(`${name} conformance, ${bs}-byte blocks`, () => {
      async function withDevice(size: number, fn: (dev: BlockDevice, exact: boolean) => Promise<void>): Promise<void> {
        const { dev, cleanup } = await factory(size, bs);
        try {
          await fn(dev, opts.exactAllocation ?? dev.thin);
        } finally {
          await dev.close();
          await cleanup();
        }
      }

      it('reports its geometry and reads zeros when fresh', () =>
        withDevice(MiB, async (dev, exact) => {
          assert.equal(dev.blockSize, bs);
          assert.equal(dev.sizeBytes, MiB);
          assert.ok(isZero(await dev.read(0, MiB)), 'fresh device reads zeros');
          assert.equal((await dev.read(bs, 0)).length, 0, 'zero-length read gives an empty buffer');
          await dev.write(bs, Buffer.alloc(0));
          const map = await dev.allocationStatus(0, MiB);
          assertTiles(map, 0, MiB, bs);
          if (exact) assert.deepEqual(map, [{ offset: 0, length: MiB, mapped: false }]);
          assert.deepEqual(await dev.allocationStatus(bs, 0), []);
        }));

      it('reads back what was written, against a model (property)', () =>
        withDevice(256 * KiB, async (dev) => {
          const size = dev.sizeBytes;
          const blocks = size / bs;
          const model = Buffer.alloc(size);
          const range = fc
            .tuple(fc.nat({ max: blocks - 1 }), fc.integer({ min: 1, max: 16 }))
            .map(([lba, n]) => [lba, Math.min(n, blocks - lba)] as const);
          const op = fc.oneof(
            fc.record({ kind: fc.constant('write' as const), r: range, seed: fc.nat() }),
            fc.record({ kind: fc.constant('discard' as const), r: range }),
            fc.record({ kind: fc.constant('read' as const), r: range }),
          );
          await fc.assert(
            fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 24 }), async (ops) => {
              await dev.discard(0, size);
              model.fill(0);
              for (const o of ops) {
                const off = o.r[0] * bs;
                const len = o.r[1] * bs;
                if (o.kind === 'write') {
                  const data = patternBlock(len, o.seed);
                  await dev.write(off, data);
                  data.copy(model, off);
                } else if (o.kind === 'discard') {
                  await dev.discard(off, len);
                  model.fill(0, off, off + len);
                } else {
                  assert.ok((await dev.read(off, len)).equals(model.subarray(off, off + len)), `read ${off}+${len}`);
                }
              }
              assert.ok((await dev.read(0, size)).equals(model), 'whole device matches the model');
            }),
            { numRuns },
          );
        }));

      it('discard frees aligned ranges, reads zeros and keeps the neighbours', () =>
        withDevice(4 * MiB, async (dev, exact) => {
          for (let i = 0; i < 4; i++) await dev.write(i * MiB, patternBlock(MiB, i + 1));
          await dev.discard(MiB, 2 * MiB);
          assert.ok(isZero(await dev.read(MiB, 2 * MiB)), 'discarded range reads zeros');
          assert.ok((await dev.read(0, MiB)).equals(patternBlock(MiB, 1)), 'data before is intact');
          assert.ok((await dev.read(3 * MiB, MiB)).equals(patternBlock(MiB, 4)), 'data after is intact');
          const map = await dev.allocationStatus(0, 4 * MiB);
          assertTiles(map, 0, 4 * MiB, bs);
          if (exact) {
            assert.deepEqual(map, [
              { offset: 0, length: MiB, mapped: true },
              { offset: MiB, length: 2 * MiB, mapped: false },
              { offset: 3 * MiB, length: MiB, mapped: true },
            ]);
            assert.deepEqual(await dev.allocationStatus(MiB + bs, bs), [{ offset: MiB + bs, length: bs, mapped: false }]);
          }
          // A discard smaller than any allocation unit must still read back zeros.
          const mid = 3 * MiB + 5 * bs;
          await dev.discard(mid, bs);
          const after = await dev.read(3 * MiB, MiB);
          const expect = patternBlock(MiB, 4);
          expect.fill(0, 5 * bs, 6 * bs);
          assert.ok(after.equals(expect), 'one-block discard zeroes exactly that block');
        }));

      it('allocationStatus tiles any range; written blocks are mapped, holes read zeros (property)', () =>
        withDevice(MiB, async (dev) => {
          const blocks = MiB / bs;
          await fc.assert(
            fc.asyncProperty(
              fc.uniqueArray(fc.nat({ max: blocks - 1 }), { maxLength: 12 }),
              fc.nat({ max: blocks - 1 }),
              fc.nat({ max: blocks }),
              async (written, startLba, n) => {
                await dev.discard(0, MiB);
                for (const lba of written) await dev.write(lba * bs, patternBlock(bs, lba + 1));
                const off = startLba * bs;
                const len = Math.min(n, blocks - startLba) * bs;
                const map = await dev.allocationStatus(off, len);
                assertTiles(map, off, len, bs);
                for (const lba of written) {
                  const p = lba * bs;
                  if (p < off || p >= off + len) continue;
                  const e = map.find((x) => x.offset <= p && p < x.offset + x.length);
                  assert.ok(e?.mapped, `written block ${lba} is reported mapped`);
                }
                for (const e of map) if (!e.mapped) assert.ok(isZero(await dev.read(e.offset, e.length)), 'a hole reads zeros');
              },
            ),
            { numRuns },
          );
        }));

      it('rejects misaligned and out-of-range requests with RangeError', () =>
        withDevice(256 * KiB, async (dev) => {
          const size = dev.sizeBytes;
          const blk = Buffer.alloc(bs, 1);
          const bad: Array<[string, () => Promise<unknown>]> = [
            ['read misaligned offset', () => dev.read(bs / 2, bs)],
            ['read misaligned length', () => dev.read(0, bs - 1)],
            ['read negative offset', () => dev.read(-bs, bs)],
            ['read NaN offset', () => dev.read(Number.NaN, bs)],
            ['read at the end', () => dev.read(size, bs)],
            ['read across the end', () => dev.read(size - bs, 2 * bs)],
            ['read longer than the device', () => dev.read(0, size + bs)],
            ['write misaligned offset', () => dev.write(1, blk)],
            ['write misaligned length', () => dev.write(0, Buffer.alloc(bs + 1))],
            ['write at the end', () => dev.write(size, blk)],
            ['write negative offset', () => dev.write(-bs, blk)],
            ['discard misaligned', () => dev.discard(bs / 2, bs)],
            ['discard short length', () => dev.discard(0, 100)],
            ['discard beyond the end', () => dev.discard(size, bs)],
            ['allocationStatus misaligned', () => dev.allocationStatus(1, bs)],
            ['allocationStatus beyond the end', () => dev.allocationStatus(0, size + bs)],
            ['resize to a non-multiple', () => dev.resize(size + bs / 2)],
            ['resize negative', () => dev.resize(-bs)],
          ];
          for (const [what, f] of bad) await assert.rejects(f, RangeError, what);
          assert.equal(dev.sizeBytes, size, 'a rejected resize changes nothing');
          await dev.write(size - bs, blk);
          assert.ok((await dev.read(size - bs, bs)).equals(blk), 'device still works');
        }));

      it('resize grows with zeros and keeps data; shrinking drops data beyond the end', () =>
        withDevice(256 * KiB, async (dev, exact) => {
          const a = patternBlock(bs, 1);
          const b = patternBlock(bs, 2);
          await dev.write(0, a);
          await dev.write(256 * KiB - bs, b);
          await dev.resize(512 * KiB);
          assert.equal(dev.sizeBytes, 512 * KiB);
          assert.ok((await dev.read(256 * KiB - bs, bs)).equals(b), 'old last block kept');
          assert.ok(isZero(await dev.read(256 * KiB, 256 * KiB)), 'grown space reads zeros');
          await dev.write(512 * KiB - bs, b);
          assert.ok((await dev.read(512 * KiB - bs, bs)).equals(b), 'new space is writable');
          await dev.resize(128 * KiB);
          assert.equal(dev.sizeBytes, 128 * KiB);
          await assert.rejects(() => dev.read(128 * KiB, bs), RangeError, 'read beyond the new end');
          await assert.rejects(() => dev.write(128 * KiB, b), RangeError, 'write beyond the new end');
          assert.ok((await dev.read(0, bs)).equals(a), 'data below the new end kept');
          await dev.resize(512 * KiB);
          assert.ok(isZero(await dev.read(128 * KiB, 384 * KiB)), 'data cut by the shrink does not come back');
          if (exact) assert.deepEqual(await dev.allocationStatus(128 * KiB, 384 * KiB), [{ offset: 128 * KiB, length: 384 * KiB, mapped: false }]);
        }));

      it('concurrent writes to disjoint ranges all land', () =>
        withDevice(MiB, async (dev) => {
          const blocks = MiB / bs;
          const writes: Array<{ off: number; data: Buffer }> = [];
          for (let lba = 0, i = 0; lba < blocks; i++) {
            const n = Math.min(1 + ((i * 7) % 9), blocks - lba);
            writes.push({ off: lba * bs, data: patternBlock(n * bs, i + 100) });
            lba += n + (i % 3 === 0 ? 1 : 0);
          }
          await Promise.all(writes.map((w) => dev.write(w.off, w.data)));
          const reads = await Promise.all(writes.map((w) => dev.read(w.off, w.data.length)));
          reads.forEach((r, i) => assert.ok(r.equals(writes[i]!.data), `write ${i} at ${writes[i]!.off}`));
        }));

      it('flush and FUA writes resolve and keep the data', () =>
        withDevice(256 * KiB, async (dev) => {
          await dev.flush();
          const datas = [0, 1, 2, 3].map((i) => patternBlock(4 * bs, i + 7));
          await Promise.all([
            ...datas.map((d, i) => dev.write(i * 4 * bs, d, { fua: i % 2 === 0 })),
            dev.flush(),
            dev.flush(),
          ]);
          await dev.flush();
          for (let i = 0; i < 4; i++) assert.ok((await dev.read(i * 4 * bs, 4 * bs)).equals(datas[i]!));
        }));

      it('buffers are not shared with the caller', () =>
        withDevice(256 * KiB, async (dev) => {
          const data = patternBlock(bs, 3);
          const copy = Buffer.from(data);
          await dev.write(0, data);
          data.fill(0);
          const r1 = await dev.read(0, bs);
          assert.ok(r1.equals(copy), 'changing the written buffer after write() does not change the device');
          r1.fill(9);
          assert.ok((await dev.read(0, bs)).equals(copy), 'changing a read buffer does not change the device');
        }));
    });
  }
}
