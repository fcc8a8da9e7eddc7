/**
 * The live side of the volumes: one BlockDevice (from VolumeDevices) and one
 * LogicalUnit per volume record. The access plane (access-plane.ts) serves the control
 * plane's DataPlane seam with it.
 */
import type { BlockDevice } from '../block/block-device.js';
import type { Logger } from '../lib/logger.js';
import { LogicalUnit, prStateAfterPowerLoss, type LogicalUnitOptions, type PrStateJson } from '../scsi/index.js';
import type { Store } from '../store/store.js';
import type { VolumeRecord } from '../store/records.js';
import type { VolumeDevices } from './volume-devices.js';

export const TANDEM_INQUIRY = { vendor: 'TANDEM', product: 'VOLUME', revision: '0001' } as const;

export interface LiveVolume {
  record: VolumeRecord;
  device: BlockDevice;
  lu: LogicalUnit;
}

/** Optional HA hooks (dual-controller runtime): wrap devices, mirror PR state, broadcast UAs. */
export interface VolumeRuntimeHooks {
  wrapDevice?(v: VolumeRecord, device: BlockDevice): BlockDevice;
  prPersisted?(v: VolumeRecord, s: PrStateJson | null): Promise<void>;
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
    const device = this.hooks.wrapDevice ? this.hooks.wrapDevice(v, rawDevice) : rawDevice;
    const lu = new LogicalUnit({
      ...(this.hooks.luOptions ? this.hooks.luOptions(v) : {}),
      identity: { name: v.name, naa: Buffer.from(v.naa, 'hex'), serial: v.serial, ...TANDEM_INQUIRY },
      device,
      writeProtected: v.writeProtected,
      pr: {
        // At start-up only APTPL reservations survive (SPC-4 §5.14.5: persist through power loss).
        initial: prStateAfterPowerLoss(v.prState ? (JSON.parse(v.prState) as PrStateJson) : undefined),
        // APTPL state is committed to the store before the PR OUT is acknowledged.
        persist: async (s: PrStateJson | null) => {
          this.store.savePrState(v.id, s === null ? null : JSON.stringify(s));
          if (this.hooks.prPersisted) await this.hooks.prPersisted(v, s);
        },
      },
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
