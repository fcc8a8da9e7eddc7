/**
 * What the event log says about the data path: one entry per iSCSI login, failed login
 * (with its reason), logout, session reinstatement and lost connection, and per task
 * management function and reset the SCSI core carried out. The same entries whether a
 * single controller records them itself or a controller of a dual-controller array
 * sends them to the supervisor.
 */
import type { TargetEvent } from '../iscsi/target/iscsi-target.js';
import type { Severity } from '../lib/severity.js';

export const DATA_PATH_CATEGORIES = ['session', 'scsi'] as const;
export type DataPathCategory = (typeof DATA_PATH_CATEGORIES)[number];

export interface DataPathEvent {
  category: DataPathCategory;
  severity: Severity;
  /** The initiator ('unknown' before it named itself), or 'target' for the SCSI core. */
  actor: string;
  short: string;
}

/** What the SCSI core reports (ScsiTarget onEvent): 'tmf' and 'reset'. */
export interface ScsiCoreEvent {
  type: string;
  detail: string;
}

const SESSION_SEVERITY: Readonly<Record<TargetEvent['type'], Severity>> = {
  'login': 'info',
  'logout': 'info',
  'session-reinstated': 'info',
  'login-failed': 'warning',
  'connection-lost': 'warning',
};

/** "login-failed: iqn.…: 127.0.0.1:50312: …" (the reason the login was refused) */
export function sessionEvent(e: TargetEvent): DataPathEvent {
  return { category: 'session', severity: SESSION_SEVERITY[e.type], actor: e.initiatorName || 'unknown', short: `${e.type}: ${e.initiatorName}: ${e.detail}` };
}

/** "lun-reset lun 0 from iqn.…,i,0x…", "1 logical unit(s): UaBusDeviceReset" */
export function scsiEvent(e: ScsiCoreEvent): DataPathEvent {
  return { category: 'scsi', severity: 'info', actor: 'target', short: e.detail };
}
