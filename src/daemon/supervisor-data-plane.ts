/**
 * The control plane's DataPlane in the supervisor of a dual-controller array: every
 * change (volume created/resized/deleted, write protect, access changed) is relayed to
 * each live controller over IPC. A new volume's file is created by one controller and
 * opened by the other; its ownership row (preferred owner = the controller with fewer
 * preferred volumes) is written before the controllers are told.
 */
import { stat } from 'node:fs/promises';
import type { DataPlane, SessionInfo, TargetPortalInfo } from '../management/data-plane.js';
import { ConflictError } from '../lib/errors.js';
import type { VolumeRecord } from '../store/records.js';
import type { Supervisor } from './supervisor.js';

export class SupervisorDataPlane implements DataPlane {
  private sessionsCache: SessionInfo[] = [];

  constructor(private readonly sup: Supervisor, private readonly iqn: string) {}

  private async all(op: string, args: unknown): Promise<void> {
    await Promise.all(this.sup.live().map((s) => s.rpc!.request(op, args)));
  }

  async createVolume(v: VolumeRecord): Promise<void> {
    const live = this.sup.live();
    if (live.length === 0) throw new ConflictError('no controller is online: enable a controller (tandem controller enable A) before creating volumes');
    // The service committed the volume row before calling us: its ownership row first.
    this.sup.ensureOwnershipRows();
    await live[0]!.rpc!.request('volume-created', { v, create: true });
    await Promise.all(live.slice(1).map((s) => s.rpc!.request('volume-created', { v, create: false })));
  }

  async resizeVolume(v: VolumeRecord, newSizeBytes: number): Promise<void> {
    await this.all('volume-resized', { v, size: newSizeBytes });
  }
  async deleteVolume(v: VolumeRecord): Promise<void> {
    await this.all('volume-deleted', { v });
    this.sup.store.ownership.delete(v.id);
  }
  setWriteProtected(v: VolumeRecord, writeProtected: boolean): void {
    void this.all('write-protect', { v, wp: writeProtected }).catch((err) => this.sup.logger.error({ err }, 'write-protect relay failed'));
  }
  accessChanged(): void {
    // New volume rows exist by now: give them their ownership rows, then tell the controllers.
    this.sup.ensureOwnershipRows();
    void this.all('ownership-reload', null).then(() => this.all('access-changed', null)).catch((err) => this.sup.logger.error({ err }, 'access relay failed'));
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
  listSessions(): SessionInfo[] {
    // Synchronous seam: answer the last gathered list and refresh it in the background.
    void Promise.all(this.sup.live().map((s) => s.rpc!.request<SessionInfo[]>('sessions', null, 2000).catch(() => [])))
      .then((lists) => { this.sessionsCache = lists.flat(); });
    return this.sessionsCache;
  }
  targetInfo(): { iqn: string; portals: TargetPortalInfo[] } {
    return { iqn: this.iqn, portals: this.sup.ha.controllers.flatMap((c) => c.ports.map((p) => ({ host: p.host, port: p.port, tpgt: p.tpgt }))) };
  }
}
