/**
 * Plain records kept by the state store. They are the shapes the control plane,
 * the API and the data plane share; the store owns their persistence only.
 */
import type { Severity } from '../lib/severity.js';

export type BlockSize = 512 | 4096;
export type Backing = 'file' | 'memory';

export interface VolumeRecord {
  /** Stable id (UUID); never reused. */
  id: string;
  /** Operator-facing name, unique. */
  name: string;
  sizeBytes: number;
  blockSize: BlockSize;
  thin: boolean;
  backing: Backing;
  /** Backing file path for 'file' volumes; null for 'memory'. */
  path: string | null;
  /** NAA IEEE Registered Extended designator (type 6), 16 bytes as 32 lowercase hex digits; unique. */
  naa: string;
  /** Unit serial number (VPD page 0x80), derived from the id; unique. */
  serial: string;
  writeProtected: boolean;
  /** ISO 8601. */
  createdAt: string;
}

export interface ChapCredentials {
  user: string;
  secret: string;
  mutualUser?: string;
  mutualSecret?: string;
}

export interface HostRecord {
  id: number;
  name: string;
  /** Initiator names, normalized (iqn. lowercased, eui./naa. uppercased hex). */
  initiators: string[];
  chap: ChapCredentials | null;
  /** Reserved for VNX-style failover modes (0..4); null = array default. */
  failoverMode: number | null;
  createdAt: string;
}

export interface HostGroupRecord {
  id: number;
  name: string;
  /** Member host names, sorted. */
  hosts: string[];
  createdAt: string;
}

export const MappingTargetKind = {
  Host: 'host',
  HostGroup: 'hostGroup',
  AllLoopback: 'allLoopback',
} as const;
export type MappingTargetKind = (typeof MappingTargetKind)[keyof typeof MappingTargetKind];

export interface MappingRecord {
  id: number;
  volumeId: string;
  volumeName: string;
  kind: MappingTargetKind;
  /** Set when kind = 'host'. */
  hostName: string | null;
  /** Set when kind = 'hostGroup'. */
  hostGroupName: string | null;
  lun: number;
  createdAt: string;
}

export interface EventRecord {
  id: number;
  /** ISO 8601. */
  time: string;
  severity: Severity;
  category: string;
  short: string;
  long: string | null;
  actor: string;
}

export interface ArrayIdentity {
  arrayId: string;
  targetIqn: string;
  createdAt: string;
}

/** A condition that needs an operator; open while clearedAt is null. */
export interface AlertRecord {
  id: number;
  /** ISO 8601. */
  raisedAt: string;
  /** ISO 8601; null while the alert is open. */
  clearedAt: string | null;
  severity: Severity;
  /** Stable identity of the condition, e.g. "controller-failed:B"; unique among open alerts. */
  key: string;
  short: string;
  long: string | null;
  /** What the operator should do, e.g. "run: tandem controller enable B". */
  action: string;
}
