/**
 * The control plane's DataPlane in the supervisor of a dual-controller array: every
 * change (volume created/resized/deleted, write protect, access changed) is relayed to
 * each live controller over IPC. A new volume's file is created by one controller and
 * opened by the other; its ownership row (preferred owner = the one the operator named,
 * else the live controller with fewer preferred volumes) is written before the
 * controllers are told. A create that names a controller that is not online is refused
 * before anything exists (409), and a relay that fails takes the row back, so a refused
 * create leaves nothing behind. Sessions are asked of every live controller at the time
 * of the call.
 */
import { stat } from 'node:fs/promises';
import type { DataPlane, SessionInfo, TargetPortalInfo } from '../management/data-plane.js';
import type { HaConfig } from '../config/ha-config.js';
import { ConflictError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { VolumeRecord } from '../store/records.js';
import type { ControllerChannel } from './ipc/endpoint.js';

/** How long `sessions` may take per controller before its list counts as empty. */
const SESSIONS_TIMEOUT_MS = 2000;

export interface RelayDeps {
  iqn: string;
  ha: HaConfig;
  live(): Array<{ name: string; channel: ControllerChannel }>;
  /** Writes the ownership rows of volumes that have none yet (`named`: volume id → the owner the operator chose). */
  ensureOwnershipRows(named?: Readonly<Record<string, string>>): void;
  deleteOwnership(volumeId: string): void;
  logger: Logger;
}

export class DataPlaneRelay implements DataPlane {
  /** Relays sent without waiting (access changes): settled() waits for them. */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly d: RelayDeps) {}

  /** Resolves once every relay sent so far has reached the controllers (or failed). */
  async settled(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private track(p: Promise<unknown>): void {
    const t = p.catch(() => undefined).finally(() => this.inFlight.delete(t));
    this.inFlight.add(t);
  }

  async createVolume(v: VolumeRecord, opts: { owner?: string } = {}): Promise<void> {
    const live = this.d.live();
    if (live.length === 0) throw new ConflictError('no controller is online: enable a controller (tandem controller enable A) before creating volumes');
    const { owner } = opts;
    if (owner !== undefined && !live.some((c) => c.name === owner)) {
      throw new ConflictError(`cannot create volume ${v.name} owned by controller ${owner}: it is not online; enable it (tandem controller enable ${owner}), or create the volume without an owner (it goes to a controller that is online)`);
    }
    // The service committed the volume row before calling us: its ownership row first.
    this.d.ensureOwnershipRows(owner !== undefined ? { [v.id]: owner } : {});
    try {
      await live[0]!.channel.request('volume-created', { v, create: true });
      await Promise.all(live.slice(1).map((c) => c.channel.request('volume-created', { v, create: false })));
    } catch (err) {
      this.d.deleteOwnership(v.id);
      throw err;
    }
  }

  async resizeVolume(v: VolumeRecord, newSizeBytes: number): Promise<void> {
    await Promise.all(this.d.live().map((c) => c.channel.request('volume-resized', { v, size: newSizeBytes })));
  }

  async deleteVolume(v: VolumeRecord): Promise<void> {
    await Promise.all(this.d.live().map((c) => c.channel.request('volume-deleted', { v })));
    this.d.deleteOwnership(v.id);
  }

  setWriteProtected(v: VolumeRecord, writeProtected: boolean): void {
    void Promise.all(this.d.live().map((c) => c.channel.request('write-protect', { v, wp: writeProtected })))
      .catch((err) => this.d.logger.error({ err }, 'write-protect relay failed'));
  }

  accessChanged(): void {
    // New volume rows exist by now: give them their ownership rows, then tell the controllers.
    this.d.ensureOwnershipRows();
    this.track(Promise.all(this.d.live().map((c) => c.channel.request('ownership-reload')))
      .then(() => Promise.all(this.d.live().map((c) => c.channel.request('access-changed'))))
      .catch((err) => this.d.logger.error({ err }, 'access relay failed')));
  }

  /** From the shared back end itself (the volume file's allocated blocks): no controller is asked, so a hung one cannot stall `volume show`. */
  async allocatedBytes(v: VolumeRecord): Promise<number> {
    if (!v.path) return 0;
    try {
      const st = await stat(v.path);
      return Math.min(st.blocks * 512, v.sizeBytes);
    } catch {
      return 0;
    }
  }

  /** Every live controller's sessions now; a controller that does not answer in time contributes none. */
  async listSessions(): Promise<SessionInfo[]> {
    const lists = await Promise.all(this.d.live().map((c) => c.channel.request('sessions', undefined, SESSIONS_TIMEOUT_MS).catch(() => [])));
    return lists.flat();
  }

  targetInfo(): { iqn: string; portals: TargetPortalInfo[] } {
    return { iqn: this.d.iqn, portals: this.d.ha.controllers.flatMap((c) => c.ports.map((p) => ({ host: p.host, port: p.port, tpgt: p.tpgt }))) };
  }
}
