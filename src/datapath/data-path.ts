/**
 * The I/O side of an array, as one controller process (or the single-controller array)
 * runs it: the live volumes, the access plane, the SCSI core and the iSCSI target. Built
 * by the daemon's one data-path builder; the controller runtime drives it.
 */
import type { IscsiTarget } from '../iscsi/target/iscsi-target.js';
import type { ScsiTarget } from '../scsi/index.js';
import type { AccessPlane } from './access-plane.js';
import type { VolumeRuntime } from './volume-runtime.js';

export interface DataPath {
  volumes: VolumeRuntime;
  access: AccessPlane;
  scsi: ScsiTarget;
  iscsi: IscsiTarget;
}
