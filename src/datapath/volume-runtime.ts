/**
 * The live side of the volumes: one BlockDevice (from VolumeDevices) and one
 * LogicalUnit per volume record. The access plane (access-plane.ts) serves the control
 * plane's DataPlane seam with it. Each LU starts from the LU state the store has and
 * saves every change there (lu-state-store.ts); a dual-controller runtime reloads it when
 * it gains a volume (reloadLuState) and guards the saves with its lease (hooks.writer).
 */
import type { BlockDevice } from '../block/block-device.js';
import type { Logger } from '../lib/logger.js';
import { LogicalUnit, type LogicalUnitOptions, type LuStateJson } from '../scsi/index.js';
import type { LeaseGuard } from '../store/index.js';
import type { Store } from '../store/store.js';
import type { VolumeRecord } from '../store/records.js';
import { loadLuState, luStatePersistence } from './lu-state-store.js';
import type { VolumeDevices } from './volume-devices.js';

export const TANDEM_INQUIRY = { vendor: 'TANDEM', product: 'VOLUME', revision: '0001' } as const;

export interface LiveVolume {
  record: VolumeRecord;
  device: BlockDevice;
  lu: LogicalUnit;
}

/** Optional HA hooks (dual-controller runtime): wrap devices, guard and mirror LU state saves, broadcast UAs. */
export interface VolumeRuntimeHooks {
  wrapDevice?(v: VolumeRecord, device: BlockDevice): BlockDevice;
  /** Who saves LU state: only the volume's current owner with a current lease may (the store checks). */
  writer?(): LeaseGuard;
  /** The LU state was saved (the owner tells the peer controller's mirror). */
  luStateSaved?(v: VolumeRecord, s: LuStateJson): void;
  luOptions?(v: VolumeRecord): Pick<LogicalUnitOptions, 'onUnitAttentionBroadcast' | 'onTasksAborted'>;
}

export class VolumeRuntime {
  private readonly byId = new Map<string, LiveVolume>();
  private readonly byName = new Map<string, LiveVolume>();
  /** LU → volume id, for the LUs the SCSI core hands back (routing, resets). */
  private readonly idOfLu = new WeakMap<LogicalUnit, string>();

  constructor(private readonly store: Store, private readonly devices: VolumeDevices, private readonly logger: Logger, private readonly hooks: VolumeRuntimeHooks = {}) {}

  /** Opens one existing volume (HA: the file was created by another process). */
  async openOne(v: VolumeRecord): Promise<void> {
    if (this.byId.has(v.id)) return;
    this.attach(v, await this.devices.open(v));
  }

  getById(id: string): LiveVolume | undefined {
    return this.byId.get(id);
  }

  /** Replace a live volume's LU state with the store's (a controller that gains the volume, or rejoins). */
  reloadLuState(id: string): void {
    const live = this.byId.get(id);
    if (!live) return;
    live.lu.loadState(loadLuState(this.store, id));
    live.lu.requeueKeptUnitAttentions();
  }

  /** The id of the volume a logical unit serves (also after the volume went offline). */
  volumeIdOf(lu: LogicalUnit): string | undefined {
    return this.idOfLu.get(lu);
  }

  /** Bring every recorded volume online (at start-up). A volume whose storage is missing is logged and skipped. */
  async openAll(): Promise<void> {
    for (const v of this.store.volumes.list()) {
      try {
        await this.attach(v, await this.devices.open(v));
      } catch (err) {
        this.logger.error({ err, volume: v.name }, `volume ${v.name} cannot be opened; it stays offline`);
      }
    }
  }

  get(name: string): LiveVolume | undefined {
    return this.byName.get(name);
  }

  list(): LiveVolume[] {
    return [...this.byId.values()];
  }

  async create(v: VolumeRecord): Promise<void> {
    this.attach(v, await this.devices.create(v));
  }

  /**
   * `localUa`: every controller of a dual-controller array resizes its own view, so each
   * queues CAPACITY DATA HAS CHANGED for its own nexuses only (no broadcast: one UA per nexus).
   */
  async resize(v: VolumeRecord, newSizeBytes: number, opts: { localUa?: boolean } = {}): Promise<void> {
    const live = this.mustGet(v);
    await live.device.resize(newSizeBytes);
    live.record = { ...live.record, sizeBytes: newSizeBytes };
    if (opts.localUa) live.lu.queueUnitAttention('UaCapacityDataChanged');
    else live.lu.capacityChanged();
  }

  async delete(v: VolumeRecord): Promise<void> {
    const live = this.byId.get(v.id);
    if (live) {
      this.byId.delete(v.id);
      this.byName.delete(live.record.name);
      await live.device.close();
    }
    await this.devices.remove(v);
  }

  setWriteProtected(v: VolumeRecord, wp: boolean): void {
    const live = this.mustGet(v);
    live.record = { ...live.record, writeProtected: wp };
    live.lu.setWriteProtected(wp);
  }

  async allocatedBytes(v: VolumeRecord): Promise<number> {
    const live = this.mustGet(v);
    if (live.device.allocatedBytes) return live.device.allocatedBytes();
    const extents = await live.device.allocationStatus(0, live.device.sizeBytes);
    return extents.reduce((n, e) => n + (e.mapped ? e.length : 0), 0);
  }

  async closeAll(): Promise<void> {
    for (const live of this.byId.values()) {
      try {
        await live.device.flush();
        await live.device.close();
      } catch (err) {
        this.logger.error({ err, volume: live.record.name }, 'closing volume failed');
      }
    }
    this.byId.clear();
    this.byName.clear();
  }

  private attach(v: VolumeRecord, rawDevice: BlockDevice): LiveVolume {
    let state: LogicalUnitOptions['state'];
    try {
      state = luStatePersistence(this.store, v.id, {
        ...(this.hooks.writer ? { writer: this.hooks.writer } : {}),
        ...(this.hooks.luStateSaved ? { saved: (s: LuStateJson) => this.hooks.luStateSaved!(v, s) } : {}),
      });
    } catch (err) {
      void rawDevice.close().catch(() => undefined);
      throw err;
    }
    const device = this.hooks.wrapDevice ? this.hooks.wrapDevice(v, rawDevice) : rawDevice;
    const lu = new LogicalUnit({
      ...(this.hooks.luOptions ? this.hooks.luOptions(v) : {}),
      identity: { name: v.name, naa: Buffer.from(v.naa, 'hex'), serial: v.serial, ...TANDEM_INQUIRY },
      device,
      writeProtected: v.writeProtected,
      // The LU state as the store has it: what a power on of the whole array left
      // (datapath/lu-state-store.ts powerOnLuState), changed since by the hosts. Saved
      // before every change is applied and acknowledged.
      state,
    });
    const live: LiveVolume = { record: v, device, lu };
    this.idOfLu.set(lu, v.id);
    this.byId.set(v.id, live);
    this.byName.set(v.name, live);
    return live;
  }

  private mustGet(v: VolumeRecord): LiveVolume {
    const live = this.byId.get(v.id);
    if (!live) throw new Error(`volume ${v.name} is not online`);
    return live;
  }
}
