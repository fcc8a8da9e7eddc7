/**
 * The SCSI core's public face (SAM-5 §5 "SCSI command model"). The core knows nothing
 * of iSCSI: a transport (iscsi/target) decodes its PDUs into ScsiCommand, gathers all
 * Data-Out before calling execute(), and encodes ScsiResponse back. Outcomes are values,
 * never exceptions.
 */

/** An I_T nexus (SAM-5 §4.6.3): one initiator port talking to one target port. */
export interface ItNexus {
  /** Unique key of this nexus (initiatorPort + '|' + targetPort). */
  readonly id: string;
  /** Initiator name alone (e.g. an IQN), for access control and mapping lookups. */
  readonly initiatorName: string;
  /** SCSI initiator port name, iSCSI form "iqn...,i,0x<ISID hex>" (RFC 7143 §4.2.7). */
  readonly initiatorPort: string;
  /** SCSI target port name, iSCSI form "iqn...,t,0x<TPGT hex>". */
  readonly targetPort: string;
  /** Target name alone. */
  readonly targetName: string;
  /** Relative target port identifier (SPC-4 §4.3.5.3), 1-based. */
  readonly relativeTargetPortId: number;
  /** Target port group this port belongs to (SPC-4 §5.16 ALUA). */
  readonly targetPortGroupId: number;
  /** TransportID of the initiator port (SPC-4 §7.6.4.6, iSCSI format 01b), for PR. */
  readonly transportId: Buffer;
}

/** Task attributes (SAM-5 §8.9). */
export const TaskAttr = { Simple: 'simple', Ordered: 'ordered', HeadOfQueue: 'head', Aca: 'aca' } as const;
export type TaskAttrValue = (typeof TaskAttr)[keyof typeof TaskAttr];

export interface ScsiCommand {
  readonly nexus: ItNexus;
  /** LUN as addressed by the initiator (flat number). */
  readonly lun: number;
  readonly cdb: Buffer;
  /** Task tag (the iSCSI ITT); unique per nexus while the task lives. */
  readonly tag: number;
  readonly taskAttr: TaskAttrValue;
  /** Bytes the initiator expects to move (iSCSI EDTL). */
  readonly expectedDataTransferLength: number;
  /** Data-Out gathered by the transport (undefined when none); length ≤ EDTL. */
  readonly dataOut: Buffer | undefined;
}

/** SCSI status codes (SAM-5 §5.3.1): the table target and clients share. */
export { ScsiStatus as Status } from './wire/status.js';

export interface ScsiResponse {
  status: number;
  /** Data-In (the transport truncates it to EDTL and reports overflow). */
  dataIn?: Buffer;
  /** Sense data in fixed format (SPC-4 §4.5.3) when status is CHECK CONDITION. */
  sense?: Buffer;
  /**
   * Bytes the CDB asked to transfer (either direction), when the command moves data.
   * The transport compares it with EDTL to set the residual (RFC 7143 §11.4.5.1).
   */
  transferLength?: number;
  /** True when the task was aborted by a task management function: send nothing. */
  aborted?: boolean;
  /**
   * Optional: called by the transport once dataIn has been fully sent (it is then no
   * longer read), so its buffer can be reused. May never be called (then it is GC'd).
   */
  release?: () => void;
}

/** Task management functions (SAM-5 §7), as the transport requests them. */
export const TmfFunction = {
  AbortTask: 'abort-task',
  AbortTaskSet: 'abort-task-set',
  ClearAca: 'clear-aca',
  ClearTaskSet: 'clear-task-set',
  LunReset: 'lun-reset',
  TargetWarmReset: 'target-warm-reset',
  TargetColdReset: 'target-cold-reset',
} as const;
export type TmfFunctionValue = (typeof TmfFunction)[keyof typeof TmfFunction];

export interface TmfRequest {
  readonly nexus: ItNexus;
  readonly fn: TmfFunctionValue;
  readonly lun: number;
  /** For ABORT TASK: the tag of the task to abort. */
  readonly referencedTag?: number;
}

export const TmfResult = {
  Complete: 'complete',
  TaskDoesNotExist: 'task-does-not-exist',
  LunDoesNotExist: 'lun-does-not-exist',
  NotSupported: 'not-supported',
  Rejected: 'rejected',
} as const;
export type TmfResultValue = (typeof TmfResult)[keyof typeof TmfResult];

/**
 * What the iSCSI side (or any transport) calls. One ScsiTarget per SCSI target device
 * (one per array controller); it resolves LUNs per nexus through its access policy.
 */
export interface ScsiTargetPort {
  execute(cmd: ScsiCommand): Promise<ScsiResponse>;
  /** Runs a TMF; resolves when every affected task has ended (their execute() promises resolve with aborted: true). */
  taskManagement(req: TmfRequest): Promise<TmfResultValue>;
  /** The transport reports nexus lifecycle so per-nexus state (UA, SPC-2 reservations) stays right. */
  nexusCreated(nexus: ItNexus): void;
  nexusLost(nexus: ItNexus): void;
  /** LUNs this nexus may see (for the transport's own checks; REPORT LUNS uses the same). */
  lunsFor(nexus: ItNexus): number[];
}
