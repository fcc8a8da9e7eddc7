/**
 * iSCSI PDU shapes, RFC 7143 §11 ("iSCSI PDU Formats"). Field names follow the RFC.
 * This file is the contract between the pure codec (encode/decode/framer in this
 * folder) and its users (iscsi/target, iscsi/initiator). Pure data: no I/O here.
 *
 * Conventions:
 *  - 32-bit fields are unsigned JS numbers (>>> 0).
 *  - LUN is the raw 8-byte field (Buffer, length 8); helpers in lun.ts convert to/from
 *    a flat LUN number (SAM-5 §4.7 single-level peripheral/flat addressing).
 *  - ISID is the raw 6-byte field (Buffer); tsih a 16-bit number.
 *  - `data` is the data segment without padding; `ahs` are the raw AHS bytes.
 */
export const Opcode = {
  // initiator opcodes (§11.1.1)
  NopOut: 0x00,
  ScsiCommand: 0x01,
  TaskMgmtRequest: 0x02,
  LoginRequest: 0x03,
  TextRequest: 0x04,
  ScsiDataOut: 0x05,
  LogoutRequest: 0x06,
  SnackRequest: 0x10,
  // target opcodes
  NopIn: 0x20,
  ScsiResponse: 0x21,
  TaskMgmtResponse: 0x22,
  LoginResponse: 0x23,
  TextResponse: 0x24,
  ScsiDataIn: 0x25,
  LogoutResponse: 0x26,
  R2T: 0x31,
  AsyncMessage: 0x32,
  Reject: 0x3f,
} as const;
export type OpcodeValue = (typeof Opcode)[keyof typeof Opcode];

/** A framed PDU before decoding: exactly what arrived on the wire, digests already checked. */
export interface RawPdu {
  bhs: Buffer; // 48 bytes
  ahs: Buffer; // TotalAHSLength*4 bytes
  data: Buffer; // DataSegmentLength bytes (padding stripped)
}

interface Base {
  immediate: boolean; // I bit (initiator PDUs only; false for target PDUs)
}

export interface NopOut extends Base {
  kind: 'NopOut';
  lun: Buffer;
  itt: number;
  ttt: number;
  cmdSN: number;
  expStatSN: number;
  data: Buffer;
}

export interface ScsiCommandPdu extends Base {
  kind: 'ScsiCommand';
  final: boolean; // F
  read: boolean; // R
  write: boolean; // W
  attr: number; // ATTR, 3 bits (0 untagged,1 simple,2 ordered,3 head of queue,4 ACA)
  lun: Buffer;
  itt: number;
  expectedDataTransferLength: number;
  cmdSN: number;
  expStatSN: number;
  cdb: Buffer; // 16 bytes from the BHS, plus extended CDB AHS bytes if any (§11.3.5)
  /** bidirectional read expected data transfer length from AHS type 2, if present */
  bidiReadExpectedLength?: number;
  data: Buffer; // immediate data
}

export interface ScsiResponsePdu extends Base {
  kind: 'ScsiResponse';
  bidiOverflow: boolean; // o
  bidiUnderflow: boolean; // u
  overflow: boolean; // O
  underflow: boolean; // U
  response: number; // 0x00 completed at target, 0x01 target failure
  status: number; // SCSI status
  itt: number;
  snack: number; // SNACK Tag
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
  expDataSN: number;
  bidiReadResidualCount: number;
  residualCount: number;
  /** Data segment: for CHECK CONDITION, SenseLength (2 bytes) + sense data (§11.4.7) */
  data: Buffer;
}

export interface TaskMgmtRequest extends Base {
  kind: 'TaskMgmtRequest';
  function: number; // 7 bits: 1 ABORT TASK, 2 ABORT TASK SET, 3 CLEAR ACA, 4 CLEAR TASK SET, 5 LUN RESET, 6 TARGET WARM RESET, 7 TARGET COLD RESET, 8 TASK REASSIGN
  lun: Buffer;
  itt: number;
  referencedTaskTag: number;
  cmdSN: number;
  expStatSN: number;
  refCmdSN: number;
  expDataSN: number;
}

export interface TaskMgmtResponse extends Base {
  kind: 'TaskMgmtResponse';
  response: number; // §11.6.1: 0 complete, 1 task does not exist, 2 LUN does not exist, 3 task still allegiant, 4 reassignment not supported, 5 not supported, 6 authorization failed, 255 rejected
  itt: number;
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
}

export interface ScsiDataOut extends Base {
  kind: 'ScsiDataOut';
  final: boolean;
  lun: Buffer;
  itt: number;
  ttt: number;
  expStatSN: number;
  dataSN: number;
  bufferOffset: number;
  data: Buffer;
}

export interface ScsiDataIn extends Base {
  kind: 'ScsiDataIn';
  final: boolean; // F
  acknowledge: boolean; // A
  overflow: boolean; // O
  underflow: boolean; // U
  statusPresent: boolean; // S
  status: number; // valid only when S
  lun: Buffer;
  itt: number;
  ttt: number;
  statSN: number; // valid only when S
  expCmdSN: number;
  maxCmdSN: number;
  dataSN: number;
  bufferOffset: number;
  residualCount: number;
  data: Buffer;
}

export interface R2T extends Base {
  kind: 'R2T';
  lun: Buffer;
  itt: number;
  ttt: number;
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
  r2tSN: number;
  bufferOffset: number;
  desiredDataTransferLength: number;
}

export interface AsyncMessage extends Base {
  kind: 'AsyncMessage';
  lun: Buffer;
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
  asyncEvent: number; // §11.9.1: 0 SCSI async event, 1 logout request, 2 drop conn, 3 drop all, 4 renegotiate, 255 vendor
  asyncVCode: number;
  parameter1: number;
  parameter2: number;
  parameter3: number;
  data: Buffer;
}

export interface TextRequest extends Base {
  kind: 'TextRequest';
  final: boolean; // F
  continue: boolean; // C
  lun: Buffer;
  itt: number;
  ttt: number;
  cmdSN: number;
  expStatSN: number;
  data: Buffer; // key=value\0 ...
}

export interface TextResponse extends Base {
  kind: 'TextResponse';
  final: boolean;
  continue: boolean;
  lun: Buffer;
  itt: number;
  ttt: number;
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
  data: Buffer;
}

export interface LoginRequest extends Base {
  kind: 'LoginRequest';
  transit: boolean; // T
  continue: boolean; // C
  csg: number; // 0 security, 1 operational, 3 full feature
  nsg: number;
  versionMax: number;
  versionMin: number;
  isid: Buffer; // 6 bytes
  tsih: number;
  itt: number;
  cid: number;
  cmdSN: number;
  expStatSN: number;
  data: Buffer;
}

export interface LoginResponse extends Base {
  kind: 'LoginResponse';
  transit: boolean;
  continue: boolean;
  csg: number;
  nsg: number;
  versionMax: number;
  versionActive: number;
  isid: Buffer;
  tsih: number;
  itt: number;
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
  statusClass: number; // §11.13.5
  statusDetail: number;
  data: Buffer;
}

export interface LogoutRequest extends Base {
  kind: 'LogoutRequest';
  reasonCode: number; // 0 close session, 1 close connection, 2 remove connection for recovery
  itt: number;
  cid: number;
  cmdSN: number;
  expStatSN: number;
}

export interface LogoutResponse extends Base {
  kind: 'LogoutResponse';
  response: number; // 0 closed, 1 CID not found, 2 recovery not supported, 3 cleanup failed
  itt: number;
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
  time2Wait: number;
  time2Retain: number;
}

export interface SnackRequest extends Base {
  kind: 'SnackRequest';
  type: number;
  lun: Buffer;
  itt: number;
  ttt: number;
  expStatSN: number;
  begRun: number;
  runLength: number;
}

export interface Reject extends Base {
  kind: 'Reject';
  reason: number; // §11.17.1
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
  dataSN: number; // DataSN/R2TSN
  data: Buffer; // the complete header of the bad PDU
}

export interface NopIn extends Base {
  kind: 'NopIn';
  lun: Buffer;
  itt: number;
  ttt: number;
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
  data: Buffer;
}

export type InitiatorPdu =
  | NopOut
  | ScsiCommandPdu
  | TaskMgmtRequest
  | LoginRequest
  | TextRequest
  | ScsiDataOut
  | LogoutRequest
  | SnackRequest;

export type TargetPdu =
  | NopIn
  | ScsiResponsePdu
  | TaskMgmtResponse
  | LoginResponse
  | TextResponse
  | ScsiDataIn
  | LogoutResponse
  | R2T
  | AsyncMessage
  | Reject;

export type Pdu = InitiatorPdu | TargetPdu;

/** Reject reason codes, RFC 7143 §11.17.1. */
export const RejectReason = {
  DataDigestError: 0x02,
  SnackReject: 0x03,
  ProtocolError: 0x04,
  CommandNotSupported: 0x05,
  ImmediateCommandReject: 0x06,
  TaskInProgress: 0x07,
  InvalidDataAck: 0x08,
  InvalidPduField: 0x09,
  LongOpReject: 0x0a,
  DeprecatedNegotiationReset: 0x0b,
  WaitingForLogout: 0x0c,
} as const;

/** Result of decoding: either a typed PDU or a wire-level error value (never thrown). */
export type DecodeResult<T> = { ok: true; pdu: T } | { ok: false; reason: number; message: string };

/** Digest settings of a connection, switched on after login (§13.1). */
export interface DigestSettings {
  header: boolean; // CRC32C on header (BHS+AHS)
  data: boolean; // CRC32C on data segment (with padding)
}

/** What the framer yields: a raw PDU, or a framing error that must close the connection. */
export type FramerEvent =
  | { type: 'pdu'; pdu: RawPdu }
  | { type: 'data-digest-error'; pdu: RawPdu } // header fine, data digest wrong: Reject 0x02 and drop the PDU (§7.8)
  | { type: 'fatal'; message: string }; // header digest error / absurd lengths: close the connection (§7.8)
