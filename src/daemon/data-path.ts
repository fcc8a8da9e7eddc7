/**
 * The one data-path builder: the live volumes, the access plane, the SCSI core with one
 * target port per portal (named `${iqn},t,0x%04x` after its portal group tag) and the
 * iSCSI target, with login, logout, TMF and reset events going to `onEvent` in the
 * event-log form of src/datapath/target-events.ts. The single-controller array and each
 * controller of a dual-controller array build theirs here; a controller adds its HA
 * parts (the router, volume hooks, LU resets on the peer, the portals SendTargets offers).
 */
import { loadFsNative } from '../block/native.js';
import { AccessPlane, type ServedPortal } from '../datapath/access-plane.js';
import type { DataPath } from '../datapath/data-path.js';
import { presentSessions } from '../datapath/sessions.js';
import { scsiEvent, sessionEvent, type DataPathEvent } from '../datapath/target-events.js';
import { fileVolumeDevices } from '../datapath/volume-devices.js';
import { VolumeRuntime, type VolumeRuntimeHooks } from '../datapath/volume-runtime.js';
import { IscsiTarget } from '../iscsi/target/iscsi-target.js';
import type { Logger } from '../lib/logger.js';
import type { AccessResolver } from '../management/access.js';
import type { AccessRouter } from '../scsi/access-router.js';
import { ScsiTarget, type LogicalUnit } from '../scsi/index.js';
import type { ItNexus, ScsiTargetPort } from '../scsi/types.js';
import type { Store } from '../store/index.js';

/** What a controller of a dual-controller array adds to its data path. */
export interface HaDataPathParts {
  router: AccessRouter;
  volumeHooks: VolumeRuntimeHooks;
  /** A LUN or target reset here resets the LU on the peer too. */
  onLuReset(lu: LogicalUnit): Promise<void>;
  /** An I_T nexus lost here is lost for the owner of each LU too. */
  onNexusLost(nexus: ItNexus, lus: readonly LogicalUnit[]): void;
  /** The portals SendTargets lists (every served address of every controller). */
  advertise(): ServedPortal[];
  /** Does this controller serve its LUs yet? Logins before are answered 0x0301 (docs/ha.md "Portals that serve"). */
  serving(): boolean;
}

export interface DataPathOptions {
  store: Store;
  access: AccessResolver;
  iqn: string;
  /** Every port of the array: one SCSI target port each; the access plane's loopback test. */
  ports: readonly ServedPortal[];
  /** The portals this process listens on when it starts. */
  listen: ServedPortal[];
  nopIntervalMs: number;
  nopTimeoutMs: number;
  /** Login, failed login, logout, reinstatement, lost connection, TMF, reset: for the event log. */
  onEvent(e: DataPathEvent): void;
  ha?: HaDataPathParts;
  logger: Logger;
}

/** SCSI target port name (SPC-4 iSCSI TransportID form): "iqn…,t,0x0001". */
const targetPortName = (iqn: string, tpgt: number): string => `${iqn},t,0x${tpgt.toString(16).padStart(4, '0')}`;

export function buildDataPath(o: DataPathOptions): DataPath {
  const { logger, ha } = o;
  const volumes = new VolumeRuntime(o.store, fileVolumeDevices(loadFsNative({ logger })), logger, ha?.volumeHooks ?? {});
  const access = new AccessPlane(volumes, o.access, o.iqn, o.ports, () => presentSessions(iscsi.listSessions()));
  const scsi = new ScsiTarget({
    access,
    ports: o.ports.map((p) => ({ relativeTargetPortId: p.relativeTargetPortId, targetPortGroupId: p.targetPortGroupId, name: targetPortName(o.iqn, p.tpgt) })),
    logger: logger.child({ layer: 'scsi' }),
    onEvent: (e) => o.onEvent(scsiEvent(e)),
    ...(ha ? { router: ha.router, onLuReset: (lu: LogicalUnit) => ha.onLuReset(lu), onNexusLost: (n: ItNexus, lus: readonly LogicalUnit[]) => ha.onNexusLost(n, lus) } : {}),
  });
  const port: ScsiTargetPort = {
    execute: (cmd) => scsi.execute(cmd),
    taskManagement: (req) => scsi.taskManagement(req),
    lunsFor: (n) => scsi.lunsFor(n),
    nexusCreated: (n: ItNexus) => { access.nexusCreated(n); scsi.nexusCreated(n); },
    nexusLost: (n: ItNexus) => { access.nexusLost(n); scsi.nexusLost(n); },
  };
  const iscsi: IscsiTarget = new IscsiTarget({
    targetName: o.iqn,
    portals: o.listen,
    scsi: port,
    auth: access,
    nopInterval: o.nopIntervalMs,
    nopTimeout: o.nopTimeoutMs,
    logger: logger.child({ layer: 'iscsi' }),
    onEvent: (e) => o.onEvent(sessionEvent(e)),
    ...(ha ? { advertise: () => ha.advertise(), serving: () => ha.serving() } : {}),
  });
  return { volumes, access, scsi, iscsi };
}
