/**
 * The access plane of one array (or one controller): the control plane's DataPlane seam
 * over the live volumes (VolumeRuntime), who sees which LUN (LunAccess for the SCSI
 * core), who may log in and with which CHAP secret (AuthPolicy for iSCSI login), the
 * sessions and the target's name and portals.
 */
import type { DataPlane, SessionInfo, TargetPortalInfo } from '../management/data-plane.js';
import type { AccessResolver } from '../management/access.js';
import type { AuthPolicy, ChapCredentials, PortalConfig } from '../iscsi/target/iscsi-target.js';
import type { LogicalUnit, LunAccess } from '../scsi/index.js';
import type { ItNexus } from '../scsi/types.js';
import type { VolumeRecord } from '../store/records.js';
import { isLoopback } from '../config/portal.js';
import type { VolumeRuntime } from './volume-runtime.js';

/** One iSCSI portal as served: its address with its own portal group tag, relative port id and ALUA group. */
export type ServedPortal = PortalConfig;

export class AccessPlane implements DataPlane, LunAccess, AuthPolicy {
  /** lunsFor() is on the I/O path: cache per (initiator, loopback) until access changes. */
  private cache = new Map<string, ReadonlyMap<number, LogicalUnit>>();
  private readonly nexuses = new Map<string, ItNexus>();

  constructor(
    private readonly volumes: VolumeRuntime,
    private readonly access: AccessResolver,
    private readonly iqn: string,
    private readonly portals: readonly ServedPortal[],
    private readonly sessions: () => SessionInfo[],
  ) {}

  // --- DataPlane (control plane → data plane) ---
  async createVolume(v: VolumeRecord): Promise<void> {
    await this.volumes.create(v);
    this.cache.clear();
  }
  async resizeVolume(v: VolumeRecord, newSizeBytes: number): Promise<void> {
    await this.volumes.resize(v, newSizeBytes);
  }
  async deleteVolume(v: VolumeRecord): Promise<void> {
    this.cache.clear();
    await this.volumes.delete(v);
  }
  setWriteProtected(v: VolumeRecord, wp: boolean): void {
    this.volumes.setWriteProtected(v, wp);
  }
  accessChanged(): void {
    // Every nexus whose LUN inventory changed gets REPORTED LUNS DATA HAS CHANGED
    // (SPC-4 §6.33: 3Fh/0Eh) on the LUs it can still see.
    const before = new Map([...this.nexuses.values()].map((n) => [n.id, this.lunsFor(n)] as const));
    this.cache.clear();
    for (const n of this.nexuses.values()) {
      const old = before.get(n.id)!;
      const now = this.lunsFor(n);
      const same = old.size === now.size && [...now].every(([lun, lu]) => old.get(lun) === lu);
      if (!same) for (const lu of new Set(now.values())) lu.queueUnitAttentionFor(n.id, 'UaReportedLunsDataChanged');
    }
  }
  async allocatedBytes(v: VolumeRecord): Promise<number> {
    return this.volumes.allocatedBytes(v);
  }
  async listSessions(): Promise<SessionInfo[]> {
    return this.sessions();
  }
  targetInfo(): { iqn: string; portals: TargetPortalInfo[] } {
    return { iqn: this.iqn, portals: this.portals.map((p) => ({ host: p.host, port: p.port, tpgt: p.tpgt })) };
  }

  // --- LunAccess (SCSI core) ---
  lunsFor(nexus: ItNexus): ReadonlyMap<number, LogicalUnit> {
    const portal = this.portals.find((p) => p.relativeTargetPortId === nexus.relativeTargetPortId);
    const loop = portal ? isLoopback(portal.host) : false;
    const key = `${nexus.initiatorName}|${loop ? 1 : 0}`;
    let m = this.cache.get(key);
    if (!m) {
      const names = this.access.resolveAccess(nexus.initiatorName, loop);
      const out = new Map<number, LogicalUnit>();
      for (const [lun, name] of names) {
        const live = this.volumes.get(name);
        if (live) out.set(lun, live.lu);
      }
      m = out;
      this.cache.set(key, m);
    }
    return m;
  }

  nexusCreated(n: ItNexus): void {
    this.nexuses.set(n.id, n);
  }
  nexusLost(n: ItNexus): void {
    this.nexuses.delete(n.id);
  }

  // --- AuthPolicy (iSCSI login) ---
  isAllowed(initiatorName: string, portal: { host: string; port: number }): boolean {
    // Loopback portals admit anyone (they see only what is mapped to them or to all
    // loopback initiators); other portals only initiators that have a host record.
    if (isLoopback(portal.host)) return true;
    return this.access.hostOf(initiatorName) !== undefined;
  }
  chapFor(initiatorName: string): ChapCredentials | undefined {
    return this.access.chapFor(initiatorName) ?? undefined;
  }
}
