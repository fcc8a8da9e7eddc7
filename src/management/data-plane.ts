/**
 * The seam between the control plane (store + services + API) and the data plane
 * (iSCSI target + SCSI core + block devices). The control plane calls it after the
 * state store has recorded a change; the daemon implements it.
 */
import type { VolumeRecord } from '../store/records.js';
export type { VolumeRecord, BlockSize, Backing } from '../store/records.js';

export interface SessionConnectionInfo {
  cid: number;
  /** "host:port" of our portal. */
  local: string;
  /** "host:port" of the initiator. */
  remote: string;
  portalGroupTag: number;
  /** Negotiated operational parameters (RFC 7143 §13 key names). */
  params: Record<string, string | number | boolean>;
}

export interface SessionInfo {
  initiatorName: string;
  /** ISID as 12 hex digits. */
  isid: string;
  tsih: number;
  type: 'normal' | 'discovery';
  /** ISO 8601. */
  loginAt: string;
  connections: SessionConnectionInfo[];
}

export interface TargetPortalInfo {
  host: string;
  port: number;
  tpgt: number;
}

export interface DataPlane {
  /**
   * Create backing storage for a new volume and bring its logical unit online. `owner`
   * (dual-controller arrays): the controller that owns it; refused (409, nothing made)
   * when that controller cannot serve now.
   */
  createVolume(v: VolumeRecord, opts?: { owner?: string }): Promise<void>;
  /** Grow/shrink the backing storage; the LU raises CAPACITY DATA HAS CHANGED. */
  resizeVolume(v: VolumeRecord, newSizeBytes: number): Promise<void>;
  /** Take the LU offline and delete the backing storage. */
  deleteVolume(v: VolumeRecord): Promise<void>;
  setWriteProtected(v: VolumeRecord, writeProtected: boolean): void;
  /** Hosts, groups or mappings changed: recompute what each initiator sees (REPORTED LUNS DATA HAS CHANGED). */
  accessChanged(): void;
  /** Bytes really allocated by the volume's backing storage. */
  allocatedBytes(v: VolumeRecord): Promise<number>;
  /** The iSCSI sessions logged in now. */
  listSessions(): Promise<SessionInfo[]>;
  targetInfo(): { iqn: string; portals: TargetPortalInfo[] };
}
