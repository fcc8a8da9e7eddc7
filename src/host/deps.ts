/**
 * What the host agent needs from the initiator (src/iscsi/initiator) and from
 * multipath (src/multipath), as narrow interfaces: real-deps.ts binds them to the real
 * modules, tests bind them to fakes. The agent itself never imports either module.
 */
import type { EventEmitter } from 'node:events';
import type { BlockDevice } from '../block/block-device.js';
import type { ChapConfig, ScsiOutcome, ScsiRequest } from '../iscsi/initiator/types.js';
import type { Logger } from '../lib/logger.js';
import type { PathTransport } from '../multipath/path-transport.js';
import type { MultipathStatus } from '../multipath/status.js';
import type { MultipathConfig } from './config.js';

export type { PathTransport, MultipathStatus };

/** The part of InitiatorSession the agent uses ('up' / 'down' / 'closed' events). */
export interface SessionLike extends EventEmitter {
  readonly state: string;
  /** The TargetPortalGroupTag the target declared at login (undefined before, or when it declared none). */
  readonly targetPortalGroupTag?: number | undefined;
  connect(): Promise<void>;
  execute(lun: number, req: ScsiRequest): Promise<ScsiOutcome>;
  close(): Promise<void>;
}

export interface SessionParams {
  host: string;
  port: number;
  targetName: string;
  initiatorName: string;
  chap?: ChapConfig | undefined;
  commandTimeout: number;
  logger: Logger;
}

export interface DiscoveredTargetLike {
  targetName: string;
  portals: Array<{ host: string; port: number; tpgt: number }>;
}

export interface InitiatorApi {
  discover(host: string, port: number, opts: { initiatorName: string; chap?: ChapConfig | undefined; logger: Logger }): Promise<DiscoveredTargetLike[]>;
  createSession(p: SessionParams): SessionLike;
  reportLuns(s: SessionLike): Promise<number[]>;
}

export interface MultipathDeviceLike extends BlockDevice {
  addPath(p: PathTransport): Promise<void>;
  removePath(id: string, opts?: { force?: boolean }): Promise<void>;
  status(): MultipathStatus;
}

export interface PathGroupLike {
  /** Identity key: "naa.<hex>" or "serial.<vendor>.<product>.<serial>". */
  key: string;
  paths: PathTransport[];
}

export interface MultipathApi {
  /** Probes the paths (INQUIRY, VPD 83h/80h) and groups them by identity; unusable paths are left out. */
  group(paths: PathTransport[], logger: Logger): Promise<{ groups: PathGroupLike[]; failed: Array<{ path: PathTransport; reason: string }> }>;
  create(paths: PathTransport[], opts: MultipathConfig & { name: string; logger: Logger }): Promise<MultipathDeviceLike>;
}

export interface HostAgentDeps {
  initiator: InitiatorApi;
  multipath: MultipathApi;
  logger: Logger;
}
