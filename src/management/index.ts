/** Builds the control-plane services over one store and one data plane. */
import { join } from 'node:path';
import type { Store } from '../store/store.js';
import type { DataPlane } from './data-plane.js';
import { EventLog } from './event-log.js';
import { VolumeService } from './volume-service.js';
import { HostService } from './host-service.js';
import { HostGroupService } from './host-group-service.js';
import { MappingService } from './mapping-service.js';
import { AccessResolver } from './access.js';
import { AlertService } from './alerts.js';
import type { Backing } from '../store/records.js';

export interface ControlServices {
  store: Store;
  events: EventLog;
  volumes: VolumeService;
  hosts: HostService;
  hostGroups: HostGroupService;
  mappings: MappingService;
  access: AccessResolver;
  alerts: AlertService;
}

export function createControlServices(store: Store, dataPlane: DataPlane, opts: {
  /** Default `<dataDir>/volumes`. */
  volumeDir?: string;
  dataDir?: string;
  defaultBacking?: Backing;
  /** false on a dual-controller array (see VolumeServiceOptions). */
  allowMemoryBacking?: boolean;
  now?: () => Date;
} = {}): ControlServices {
  const now = opts.now ?? (() => new Date());
  const events = new EventLog(store, now);
  const volumeDir = opts.volumeDir ?? join(opts.dataDir ?? '.', 'volumes');
  return {
    store,
    events,
    volumes: new VolumeService(store, dataPlane, events, {
      volumeDir, defaultBacking: opts.defaultBacking ?? 'file', now, ...(opts.allowMemoryBacking !== undefined ? { allowMemoryBacking: opts.allowMemoryBacking } : {}),
    }),
    hosts: new HostService(store, dataPlane, events, now),
    hostGroups: new HostGroupService(store, dataPlane, events, now),
    mappings: new MappingService(store, dataPlane, events, now),
    access: new AccessResolver(store),
    alerts: new AlertService(store, events, now),
  };
}

export type { DataPlane, SessionInfo, SessionConnectionInfo, TargetPortalInfo, VolumeRecord } from './data-plane.js';
export { EventLog } from './event-log.js';
export { VolumeService } from './volume-service.js';
export { HostService } from './host-service.js';
export { HostGroupService } from './host-group-service.js';
export { MappingService } from './mapping-service.js';
export { AccessResolver, resolveAccessFrom } from './access.js';
export { AlertService, type AlertInput } from './alerts.js';
