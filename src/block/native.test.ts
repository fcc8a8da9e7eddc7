import assert from 'node:assert/strict';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import type { Logger } from '../lib/logger.js';
import { addonCandidates, loadFsNative } from './native.js';

it('falls back with one clear warning when the addon is missing', async () => {
  const warnings: unknown[][] = [];
  const logger = { warn: (...args: unknown[]) => warnings.push(args) } as unknown as Logger;
  const fsn = loadFsNative({ addonPath: '/nonexistent/tandem_fs.node', logger });
  assert.equal(fsn.native, false);
  assert.equal(warnings.length, 1);
  assert.match(String(warnings[0]![1]), /native addon not loaded.*fallocate --punch-hole.*fully mapped/);
  assert.equal(await fsn.seekData(0, 4096), 4096, 'fallback: data everywhere');
  assert.ok((await fsn.seekHole(0, 4096)) >= Number.MAX_SAFE_INTEGER, 'fallback: no hole before the end');
});

it('looks for build/Release/tandem_fs.node from $TANDEM_FS_ADDON, the module and the working directory', () => {
  const c = addonCandidates({ TANDEM_FS_ADDON: '/x/y.node' }, '/work/repo/sub');
  assert.equal(c[0], '/x/y.node');
  assert.ok(c.includes('/work/repo/build/Release/tandem_fs.node'));
  assert.ok(c.includes('/build/Release/tandem_fs.node'));
});

it('the addon punches holes and seeks data/holes (ENXIO → -1)', { skip: !loadFsNative({ quiet: true }).native }, async () => {
  const fsn = loadFsNative({ quiet: true });
  const dir = await mkdtemp(join(tmpdir(), 'tandem-native-'));
  const path = join(dir, 'f');
  const fh = await open(path, 'wx+');
  try {
    const MiB = 1024 * 1024;
    await fh.truncate(8 * MiB);
    await fh.write(Buffer.alloc(2 * MiB, 1), 0, 2 * MiB, 2 * MiB);
    assert.equal(await fsn.seekData(fh.fd, 0), 2 * MiB);
    assert.equal(await fsn.seekHole(fh.fd, 2 * MiB), 4 * MiB);
    assert.equal(await fsn.seekData(fh.fd, 4 * MiB), -1, 'no data after the last extent');
    await fsn.punchHole(fh.fd, path, 2 * MiB, 2 * MiB);
    assert.equal((await stat(path)).blocks, 0);
    assert.equal(await fsn.seekData(fh.fd, 0), -1);
    await fsn.punchHole(fh.fd, path, 0, 0);
    await fsn.allocate(fh.fd, path, 0, MiB);
    assert.ok((await stat(path)).blocks >= MiB / 512, 'allocate reserves space');
    assert.equal((await stat(path)).size, 8 * MiB, 'allocate inside the file keeps its size');
    await assert.rejects(fsn.seekData(987654, 0), { code: 'EBADF' });
  } finally {
    await fh.close();
    await rm(dir, { recursive: true, force: true });
  }
});
