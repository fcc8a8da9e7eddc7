/**
 * Volumes: create, list, resize, delete, write-protect.
 *
 * Ordering for crash safety (the store is the truth the daemon reconciles at start):
 * create = record, then build storage (undo the record when the data plane fails);
 * grow = storage first, then record; shrink = record first, then storage;
 * delete = unmap + forget in one transaction, then remove storage (an orphaned file
 * after a crash is harmless, a record without storage is not).
 */
import { join } from 'node:path';
import type { Store } from '../store/store.js';
import type { Backing, BlockSize, VolumeRecord } from '../store/records.js';
import { newNaa, newVolumeId, serialFromId } from '../store/identifiers.js';
import { ConflictError, InternalError, NotFoundError, TandemError, ValidationError } from '../lib/errors.js';
import type { DataPlane } from './data-plane.js';
import type { EventLog } from './event-log.js';
import { checkBlockSize, checkName, checkSize } from './validate.js';
import { formatBytes } from './format.js';
import { describeMapping } from './describe.js';
import { SerialQueue } from './serial-queue.js';

export interface VolumeServiceOptions {
  /** Folder for 'file' backing; volumes are `<volumeDir>/<id>.vol`. */
  volumeDir: string;
  /** Backing for new volumes (default 'file'). */
  defaultBacking?: Backing;
  /**
   * false on a dual-controller array: every controller process would hold its own RAM
   * copy of a 'memory' volume, so a failover would serve different data.
   */
  allowMemoryBacking?: boolean;
  now?: () => Date;
}

export interface CreateVolumeInput {
  name: string;
  sizeBytes: number;
  blockSize?: number;
  thin?: boolean;
  backing?: Backing;
  /** Dual-controller arrays: the controller that owns the volume (the data plane refuses one that cannot serve). */
  owner?: string;
}

export interface UpdateVolumeInput {
  sizeBytes?: number;
  writeProtected?: boolean;
  force?: boolean;
}

export class VolumeService {
  private readonly queue = new SerialQueue();
  private readonly now: () => Date;

  constructor(
    private readonly store: Store,
    private readonly dataPlane: DataPlane,
    private readonly events: EventLog,
    private readonly opts: VolumeServiceOptions,
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  list(): VolumeRecord[] {
    return this.store.volumes.list();
  }

  get(name: string): VolumeRecord {
    const v = this.store.volumes.byName(name);
    if (!v) throw new NotFoundError('volume', name);
    return v;
  }

  async allocatedBytes(v: VolumeRecord): Promise<number | null> {
    try {
      return await this.dataPlane.allocatedBytes(v);
    } catch {
      return null;
    }
  }

  async create(input: CreateVolumeInput, actor: string): Promise<VolumeRecord> {
    checkName(input.name);
    const blockSize = checkBlockSize(input.blockSize ?? 512);
    checkSize(input.sizeBytes, blockSize);
    const backing = input.backing ?? this.opts.defaultBacking ?? 'file';
    if (backing !== 'file' && backing !== 'memory') throw new ValidationError(`backing must be 'file' or 'memory'`, 'backing');
    if (backing === 'memory' && this.opts.allowMemoryBacking === false) {
      throw new ValidationError(
        `backing: memory volumes need a single-controller array (tandem up --controllers 1): each controller process would have its own RAM copy; use backing file`,
        'backing');
    }
    return this.queue.run(async () => {
      const v = this.store.transaction(() => {
        if (this.store.volumes.byName(input.name)) {
          throw new ConflictError(`volume '${input.name}' already exists: choose another name or delete the old volume first`);
        }
        const id = newVolumeId();
        let naa = newNaa();
        while (this.store.volumes.naaExists(naa)) naa = newNaa();
        const rec: VolumeRecord = {
          id, name: input.name, sizeBytes: input.sizeBytes, blockSize: blockSize as BlockSize, thin: input.thin ?? true,
          backing, path: backing === 'file' ? join(this.opts.volumeDir, `${id}.vol`) : null, naa, serial: serialFromId(id),
          writeProtected: false, createdAt: this.now().toISOString(),
        };
        this.store.volumes.insert(rec);
        return rec;
      });
      try {
        await this.dataPlane.createVolume(v, input.owner !== undefined ? { owner: input.owner } : {});
      } catch (err) {
        this.store.transaction(() => {
          this.store.volumes.delete(v.id);
          this.events.record({ severity: 'error', category: 'volume', actor,
            short: `volume ${v.name} could not be created: ${(err as Error).message}` });
        });
        // A refusal (e.g. the owner named is disabled) keeps its status; anything else is ours.
        if (err instanceof TandemError && err.httpStatus < 500) throw err;
        throw new InternalError(`volume '${v.name}' could not be created: ${(err as Error).message}`);
      }
      this.events.record({ category: 'volume', actor,
        short: `volume ${v.name} created (${formatBytes(v.sizeBytes)}, ${v.blockSize}-byte blocks) by ${actor}` });
      return v;
    });
  }

  resize(name: string, sizeBytes: number, opts: { force?: boolean }, actor: string): Promise<VolumeRecord> {
    return this.queue.run(async () => {
      const v = this.get(name);
      checkSize(sizeBytes, v.blockSize);
      if (sizeBytes === v.sizeBytes) return v;
      const grow = sizeBytes > v.sizeBytes;
      if (!grow && opts.force !== true) {
        throw new ValidationError(
          `shrinking volume '${name}' from ${formatBytes(v.sizeBytes)} to ${formatBytes(sizeBytes)} destroys the data beyond the new end: pass force: true (CLI: --force) to do it anyway`,
          'sizeBytes',
        );
      }
      const msg = `volume ${name} ${grow ? 'grown' : 'shrunk'} from ${formatBytes(v.sizeBytes)} to ${formatBytes(sizeBytes)} by ${actor}`;
      if (grow) {
        try {
          await this.dataPlane.resizeVolume(v, sizeBytes);
        } catch (err) {
          this.events.record({ severity: 'error', category: 'volume', actor, short: `volume ${name} could not be grown: ${(err as Error).message}` });
          throw new InternalError(`volume '${name}' could not be grown: ${(err as Error).message}`);
        }
        this.store.transaction(() => {
          this.store.volumes.setSize(v.id, sizeBytes);
          this.events.record({ category: 'volume', actor, short: msg });
        });
      } else {
        this.store.transaction(() => this.store.volumes.setSize(v.id, sizeBytes));
        try {
          await this.dataPlane.resizeVolume(v, sizeBytes);
        } catch (err) {
          this.store.transaction(() => {
            this.store.volumes.setSize(v.id, v.sizeBytes);
            this.events.record({ severity: 'error', category: 'volume', actor, short: `volume ${name} could not be shrunk: ${(err as Error).message}` });
          });
          throw new InternalError(`volume '${name}' could not be shrunk: ${(err as Error).message}`);
        }
        this.events.record({ severity: 'warning', category: 'volume', actor, short: msg });
      }
      return this.get(name);
    });
  }

  setWriteProtected(name: string, writeProtected: boolean, actor: string): Promise<VolumeRecord> {
    return this.queue.run(() => {
      const v = this.get(name);
      if (v.writeProtected === writeProtected) return v;
      const updated = this.store.transaction(() => {
        this.store.volumes.setWriteProtected(v.id, writeProtected);
        this.events.record({ category: 'volume', actor,
          short: `volume ${name} ${writeProtected ? 'write-protected' : 'made writable'} by ${actor}` });
        return { ...v, writeProtected };
      });
      this.dataPlane.setWriteProtected(updated, writeProtected);
      return updated;
    });
  }

  /** PATCH semantics: resize and/or (un)protect. */
  async update(name: string, patch: UpdateVolumeInput, actor: string): Promise<VolumeRecord> {
    let v = this.get(name);
    if (patch.sizeBytes !== undefined) v = await this.resize(name, patch.sizeBytes, { force: patch.force ?? false }, actor);
    if (patch.writeProtected !== undefined) v = await this.setWriteProtected(name, patch.writeProtected, actor);
    return v;
  }

  delete(name: string, opts: { force?: boolean }, actor: string): Promise<void> {
    return this.queue.run(async () => {
      const v = this.get(name);
      const maps = this.store.mappings.ofVolume(v.id);
      if (maps.length > 0 && opts.force !== true) {
        throw new ConflictError(
          `volume '${name}' is still mapped: ${maps.map(describeMapping).join('; ')}. Delete the mappings first, or pass force (CLI: --force) to unmap and delete`,
        );
      }
      this.store.transaction(() => {
        for (const m of maps) {
          this.store.mappings.delete(m.id);
          this.events.record({ severity: 'warning', category: 'mapping', actor, short: `${describeMapping(m)} removed by ${actor} (forced volume delete)` });
        }
        this.store.volumes.delete(v.id);
        this.events.record({ category: 'volume', actor, short: `volume ${name} deleted by ${actor}` });
      });
      if (maps.length > 0) this.dataPlane.accessChanged();
      try {
        await this.dataPlane.deleteVolume(v);
      } catch (err) {
        const where = v.path ?? 'memory';
        this.events.record({ severity: 'error', category: 'volume', actor,
          short: `storage of deleted volume ${name} could not be removed (${where}): ${(err as Error).message}` });
        throw new InternalError(`volume '${name}' was removed from the configuration but its storage (${where}) could not be deleted: ${(err as Error).message}`);
      }
    });
  }
}
