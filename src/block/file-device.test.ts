import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { blockDeviceConformance } from './test-support/conformance.js';
import { FileDevice } from './file-device.js';
import { loadFsNative, type FsNative } from './native.js';

const MiB = 1024 * 1024;
const withAddon = loadFsNative({ quiet: true });
const fallback = loadFsNative({ disableAddon: true, quiet: true });

const dir = mkdtempSync(join(tmpdir(), 'tandem-block-'));
let seq = 0;
after(async () => {
  await rm(dir, { recursive: true, force: true });
});
const nextPath = (): string => join(dir, `vol-${++seq}.img`);

function fileFactory(native: FsNative, thin = true) {
  return async (sizeBytes: number, blockSize: 512 | 4096) => {
    const path = nextPath();
    const dev = await FileDevice.create(path, { sizeBytes, blockSize, native, thin });
    return { dev, cleanup: () => rm(path, { force: true }) };
  };
}

blockDeviceConformance('FileDevice', fileFactory(withAddon), { exactAllocation: withAddon.native });
blockDeviceConformance('FileDevice (fallback without the addon)', fileFactory(fallback), { exactAllocation: false, numRuns: 15 });
blockDeviceConformance('FileDevice (thick)', fileFactory(withAddon, false), { numRuns: 15 });

describe('FileDevice', () => {
  it('loads the native addon (build it with `npm run build:native` or `npm ci`)', { skip: process.env.TANDEM_ALLOW_NO_ADDON === '1' }, () => {
    assert.equal(withAddon.native, true, `tandem_fs addon missing: ${withAddon.missingReason ?? ''}`);
  });

  it('reports allocated bytes from the file system in one call, and frees them on discard', async () => {
    const dev = await FileDevice.create(nextPath(), { sizeBytes: 64 * MiB, blockSize: 512, native: withAddon });
    assert.equal(await dev.allocatedBytes(), 0);
    await dev.write(MiB, Buffer.alloc(256 * 1024, 1));
    const used = await dev.allocatedBytes();
    assert.ok(used >= 256 * 1024 && used < 2 * MiB, `allocated ${used}`);
    if (withAddon.native) {
      await dev.discard(MiB, 256 * 1024);
      assert.equal(await dev.allocatedBytes(), 0);
    }
    await dev.close();
  });

  it('readLeased reuses a buffer only after its holder released it, and a second release changes nothing', async () => {
    const dev = await FileDevice.create(nextPath(), { sizeBytes: 8 * MiB, blockSize: 512, native: withAddon });
    await dev.write(0, Buffer.alloc(MiB, 0xa1));
    await dev.write(MiB, Buffer.alloc(MiB, 0xb2));
    const first = await dev.readLeased!(0, MiB);
    const held = await dev.readLeased!(MiB, MiB);
    assert.notEqual(held.data.buffer, first.data.buffer, 'an unreleased buffer is never handed out again');
    assert.ok(first.data.equals(Buffer.alloc(MiB, 0xa1)));
    first.release();
    first.release();
    const again = await dev.readLeased!(MiB, MiB);
    const third = await dev.readLeased!(0, MiB);
    assert.ok(again.data.buffer === first.data.buffer || third.data.buffer === first.data.buffer, 'the released buffer is reused');
    assert.notEqual(again.data.buffer, third.data.buffer, 'a double release did not put the buffer in the pool twice');
    assert.ok(held.data.equals(Buffer.alloc(MiB, 0xb2)), 'the held lease kept its contents');
    assert.ok(again.data.equals(Buffer.alloc(MiB, 0xb2)) && third.data.equals(Buffer.alloc(MiB, 0xa1)));
    await dev.close();
  });

  it('creates a sparse file of the requested size and refuses to overwrite one', async () => {
    const path = nextPath();
    const dev = await FileDevice.create(path, { sizeBytes: 1024 * MiB, blockSize: 4096, native: withAddon });
    const st = await stat(path);
    assert.equal(st.size, 1024 * MiB);
    assert.equal(st.blocks, 0, 'no zeros were written');
    await dev.write(0, Buffer.alloc(4096, 7));
    await dev.close();
    await assert.rejects(FileDevice.create(path, { sizeBytes: MiB, blockSize: 4096, native: withAddon }), { code: 'EEXIST' });
    const again = await FileDevice.open(path, { blockSize: 4096, native: withAddon });
    assert.equal(again.sizeBytes, 1024 * MiB, 'open takes the size from the file');
    assert.ok((await again.read(0, 4096)).equals(Buffer.alloc(4096, 7)), 'data survives close/open');
    await again.close();
  });

  it('rejects bad geometry at create and open', async () => {
    await assert.rejects(FileDevice.create(nextPath(), { sizeBytes: MiB + 512, blockSize: 4096, native: withAddon }), RangeError);
    await assert.rejects(FileDevice.create(nextPath(), { sizeBytes: MiB, blockSize: 1024 as 512, native: withAddon }), RangeError);
    const odd = nextPath();
    await writeFile(odd, Buffer.alloc(1000));
    await assert.rejects(FileDevice.open(odd, { blockSize: 512, native: withAddon }), RangeError);
    const sub = join(dir, 'a-directory');
    await mkdir(sub);
    await assert.rejects(FileDevice.open(sub, { blockSize: 512, native: withAddon }), /not a regular file|EISDIR/);
    await assert.rejects(FileDevice.open(nextPath(), { blockSize: 512, native: withAddon }), { code: 'ENOENT' });
  });

  for (const [label, native] of [['addon', withAddon], ['fallocate command', fallback]] as const) {
    it(`discard really frees the space (${label})`, async () => {
      const path = nextPath();
      const dev = await FileDevice.create(path, { sizeBytes: 8 * MiB, blockSize: 512, native });
      await dev.write(0, Buffer.alloc(8 * MiB, 0x5a));
      const full = (await stat(path)).blocks;
      assert.ok(full >= (8 * MiB) / 512, `allocated after writing: ${full} sectors`);
      await dev.discard(MiB, 6 * MiB);
      const freed = (await stat(path)).blocks;
      assert.ok(full - freed >= (6 * MiB) / 512, `6 MiB freed: ${full} → ${freed} sectors`);
      assert.ok((await dev.read(MiB, 6 * MiB)).equals(Buffer.alloc(6 * MiB)));
      assert.ok((await dev.read(7 * MiB, MiB)).equals(Buffer.alloc(MiB, 0x5a)));
      await dev.close();
    });
  }

  it('thick: reserves the space up front and keeps it through discard and growth', async () => {
    const path = nextPath();
    const dev = await FileDevice.create(path, { sizeBytes: 8 * MiB, blockSize: 4096, native: withAddon, thin: false });
    assert.equal(dev.thin, false);
    const sectors = async (): Promise<number> => (await stat(path)).blocks;
    assert.ok((await sectors()) >= (8 * MiB) / 512, 'reserved at create');
    await dev.write(0, Buffer.alloc(8 * MiB, 9));
    await dev.discard(MiB, 6 * MiB);
    assert.ok((await sectors()) >= (8 * MiB) / 512, 'still reserved after discard');
    assert.ok((await dev.read(MiB, 6 * MiB)).equals(Buffer.alloc(6 * MiB)), 'discarded range reads zeros');
    assert.deepEqual(await dev.allocationStatus(0, 8 * MiB), [{ offset: 0, length: 8 * MiB, mapped: true }]);
    await dev.resize(16 * MiB);
    assert.ok((await sectors()) >= (16 * MiB) / 512, 'growth is reserved too');
    await dev.close();
    const again = await FileDevice.open(path, { blockSize: 4096, native: withAddon, thin: false });
    assert.equal(again.thin, false);
    await again.close();
  });

  it('reports allocation in whole logical blocks around a partly written file-system block', async () => {
    const dev = await FileDevice.create(nextPath(), { sizeBytes: MiB, blockSize: 512, native: withAddon });
    await dev.write(512, Buffer.alloc(512, 1));
    const map = await dev.allocationStatus(1024, 8192);
    if (withAddon.native) {
      // The file system allocates at least [0, 4096); a 512-byte view starts mapped at 1024.
      assert.equal(map[0]!.mapped, true);
      assert.equal(map[0]!.offset, 1024);
      assert.equal(map[map.length - 1]!.mapped, false);
      for (const e of map) assert.equal(e.offset % 512, 0);
    }
    await dev.close();
  });

  it('writes zeros when the file system cannot punch holes', async () => {
    // Prevents: discard on a file system without PUNCH_HOLE left the old data readable.
    const noPunch: FsNative = {
      ...withAddon,
      punchHole: async () => {
        throw Object.assign(new Error('fallocate: Operation not supported'), { code: 'EOPNOTSUPP' });
      },
    };
    const dev = await FileDevice.create(nextPath(), { sizeBytes: 4 * MiB, blockSize: 4096, native: noPunch });
    await dev.write(0, Buffer.alloc(4 * MiB, 3));
    await dev.discard(4096, 3 * MiB);
    assert.ok((await dev.read(4096, 3 * MiB)).equals(Buffer.alloc(3 * MiB)));
    assert.ok((await dev.read(0, 4096)).equals(Buffer.alloc(4096, 3)));
    await dev.close();
  });

  it('close waits for in-flight writes, then refuses new requests', async () => {
    // Prevents: closing the fd under queued pwrites (they could land in a file that reused the fd).
    const path = nextPath();
    const dev = await FileDevice.create(path, { sizeBytes: 4 * MiB, blockSize: 4096, native: withAddon });
    const writes = Array.from({ length: 64 }, (_, i) => dev.write(i * 65536, Buffer.alloc(65536, i + 1)));
    await dev.close();
    await Promise.all(writes);
    await assert.rejects(dev.read(0, 4096), /closed/);
    await assert.rejects(dev.write(0, Buffer.alloc(4096)), /closed/);
    await dev.close();
    const again = await FileDevice.open(path, { blockSize: 4096, native: withAddon });
    for (let i = 0; i < 64; i++) assert.ok((await again.read(i * 65536, 65536)).equals(Buffer.alloc(65536, i + 1)), `write ${i}`);
    await again.close();
  });

  it('resize is visible to a later open', async () => {
    const path = nextPath();
    const dev = await FileDevice.create(path, { sizeBytes: MiB, blockSize: 4096, native: withAddon });
    await dev.resize(3 * MiB);
    await dev.close();
    assert.equal((await stat(path)).size, 3 * MiB);
    const again = await FileDevice.open(path, { blockSize: 4096, native: withAddon });
    await again.resize(MiB / 2);
    await again.close();
    assert.equal((await stat(path)).size, MiB / 2);
  });
});

function syncFactory(syncIo: boolean) {
  return async (sizeBytes: number, blockSize: 512 | 4096) => {
    const path = nextPath();
    const dev = await FileDevice.create(path, { sizeBytes, blockSize, native: withAddon, syncIo });
    return { dev, cleanup: () => rm(path, { force: true }) };
  };
}
blockDeviceConformance('FileDevice (synchronous pread/pwrite)', syncFactory(true), { exactAllocation: withAddon.native, numRuns: 15 });

describe('FileDevice I/O mode', () => {
  it('uses synchronous I/O on tmpfs and the thread pool elsewhere (unless told)', async (t) => {
    const onDisk = await FileDevice.create(nextPath(), { sizeBytes: MiB, blockSize: 4096, native: withAddon });
    const st = await (await import('node:fs/promises')).statfs(dir);
    assert.equal(onDisk.syncIo, st.type === 0x01021994);
    await onDisk.close();
    const forced = await FileDevice.create(nextPath(), { sizeBytes: MiB, blockSize: 4096, native: withAddon, syncIo: false });
    assert.equal(forced.syncIo, false);
    await forced.close();
    let shm: string;
    try {
      shm = mkdtempSync('/dev/shm/tandem-block-');
    } catch {
      t.skip('no /dev/shm');
      return;
    }
    try {
      const dev = await FileDevice.create(join(shm, 'v.img'), { sizeBytes: MiB, blockSize: 4096, native: withAddon });
      assert.equal(dev.syncIo, true);
      await dev.write(8192, Buffer.alloc(8192, 9));
      assert.ok((await dev.read(8192, 8192)).equals(Buffer.alloc(8192, 9)));
      await dev.close();
      await assert.rejects(dev.read(0, 4096), /closed/);
      await assert.rejects(dev.write(0, Buffer.alloc(4096)), /closed/);
    } finally {
      await rm(shm, { recursive: true, force: true });
    }
  });

  it('small reads are distinct views that later reads never overwrite', async () => {
    const dev = await FileDevice.create(nextPath(), { sizeBytes: MiB, blockSize: 512, native: withAddon, syncIo: true });
    await dev.write(0, Buffer.alloc(512, 1));
    await dev.write(512, Buffer.alloc(512, 2));
    const reads: Buffer[] = [];
    for (let i = 0; i < 1200; i++) reads.push(await dev.read((i % 2) * 512, 512)); // > one slab
    reads.forEach((b, i) => assert.ok(b.equals(Buffer.alloc(512, (i % 2) + 1)), `read ${i}`));
    await dev.close();
  });
});
