/**
 * The backing storage of a volume record: a file (FileDevice, created sparse or fully
 * allocated) or memory. VolumeRuntime asks this for devices; it never touches files.
 */
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BlockDevice } from '../block/block-device.js';
import { FileDevice } from '../block/file-device.js';
import { MemoryDevice } from '../block/memory-device.js';
import type { FsNative } from '../block/native.js';
import type { VolumeRecord } from '../store/records.js';

export interface VolumeDevices {
  /** New storage for a new volume (its folder is made when missing). */
  create(v: VolumeRecord): Promise<BlockDevice>;
  /** The storage of an existing volume (at start-up, or created by another controller). */
  open(v: VolumeRecord): Promise<BlockDevice>;
  /** Deletes the storage of a deleted volume; nothing for memory volumes. */
  remove(v: VolumeRecord): Promise<void>;
}

export function fileVolumeDevices(native: FsNative): VolumeDevices {
  return {
    async create(v) {
      if (v.backing === 'memory') return new MemoryDevice(v.blockSize, v.sizeBytes);
      const path = requirePath(v);
      await mkdir(dirname(path), { recursive: true });
      return FileDevice.create(path, { sizeBytes: v.sizeBytes, blockSize: v.blockSize, thin: v.thin, native });
    },
    async open(v) {
      if (v.backing === 'memory') return new MemoryDevice(v.blockSize, v.sizeBytes);
      return FileDevice.open(requirePath(v), { blockSize: v.blockSize, thin: v.thin, native });
    },
    async remove(v) {
      if (v.backing === 'file' && v.path) await rm(v.path, { force: true });
    },
  };
}

function requirePath(v: VolumeRecord): string {
  if (!v.path) throw new Error(`volume ${v.name} has file backing but no path`);
  return v.path;
}
