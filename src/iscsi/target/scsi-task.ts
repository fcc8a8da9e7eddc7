/**
 * One SCSI task as the transport tracks it, from SCSI Command PDU to SCSI Response
 * (RFC 7143 §11.3-§11.4). `gathering` tasks wait for Data-Out; `executing` tasks are in
 * the SCSI core.
 */
import { TaskAttr, type TaskAttrValue } from '../../scsi/types.js';
import type { WriteTransfer } from './write-transfer.js';

export interface ScsiTask {
  readonly itt: number;
  readonly lun: number;
  readonly lunRaw: Buffer;
  readonly cdb: Buffer;
  readonly read: boolean;
  readonly write: boolean;
  readonly edtl: number;
  readonly attr: TaskAttrValue;
  readonly cmdSN: number;
  readonly transfer: WriteTransfer | undefined;
  state: 'gathering' | 'executing';
  /** Aborted by task management: its data and response are dropped. */
  aborted: boolean;
}

/** §11.3.1 ATTR → SAM task attribute (0 untagged is treated as simple). */
export function taskAttrFrom(attr: number): TaskAttrValue {
  switch (attr & 7) {
    case 2:
      return TaskAttr.Ordered;
    case 3:
      return TaskAttr.HeadOfQueue;
    case 4:
      return TaskAttr.Aca;
    default:
      return TaskAttr.Simple;
  }
}
