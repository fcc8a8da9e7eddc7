import assert from 'node:assert/strict';
import { it } from 'node:test';
import { blockDeviceConformance } from './test-support/conformance.js';
import { MemoryDevice } from './memory-device.js';

blockDeviceConformance('MemoryDevice', async (sizeBytes, blockSize) => ({
  dev: new MemoryDevice(blockSize, sizeBytes),
  cleanup: async () => {},
}));

it('MemoryDevice frees a chunk that piecewise discards leave all zeros', async () => {
  // Prevents: discarding 64 KiB in two halves left the chunk allocated forever.
  const dev = new MemoryDevice(4096, 256 * 1024);
  await dev.write(0, Buffer.alloc(64 * 1024, 1));
  await dev.discard(0, 32 * 1024);
  assert.deepEqual((await dev.allocationStatus(0, 64 * 1024)).map((e) => e.mapped), [true]);
  await dev.discard(32 * 1024, 32 * 1024);
  assert.deepEqual(await dev.allocationStatus(0, 64 * 1024), [{ offset: 0, length: 64 * 1024, mapped: false }]);
});

it('MemoryDevice rejects a bad block size', () => {
  assert.throws(() => new MemoryDevice(1024, 1024 * 1024), RangeError);
});
