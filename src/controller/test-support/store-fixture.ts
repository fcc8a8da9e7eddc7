/** Test helper: a temporary data directory with N Store connections on the same database file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../store/store.js';
import { newNaa, serialFromId } from '../../store/identifiers.js';

export interface SharedStores {
  /** The data directory holding tandem.db. */
  readonly dir: string;
  readonly stores: Store[];
  /** Inserts a volume row (ownership rows reference volumes). */
  addVolume(name: string): string;
  close(): void;
}

export function openSharedStores(n: number): SharedStores {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-ha-'));
  const stores: Store[] = [];
  for (let i = 0; i < n; i++) stores.push(Store.open(dir, { busyTimeoutMs: 2000 }));
  return {
    dir,
    stores,
    addVolume(name: string): string {
      const id = `00000000-0000-4000-8000-${name.padStart(12, '0')}`;
      stores[0]!.transaction(() => stores[0]!.volumes.insert({
        id, name, sizeBytes: 1 << 20, blockSize: 512, thin: true, backing: 'memory', path: null, naa: newNaa(),
        serial: serialFromId(id), writeProtected: false, createdAt: '2026-11-23T00:00:00.000Z',
      }));
      return id;
    },
    close(): void {
      for (const s of stores) s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
