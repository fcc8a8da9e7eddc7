/**
 * Sense reasons and the one table that maps them to status / sense key / ASC / ASCQ
 * (SPC-4 §4.5 "Sense data", Annex D for the codes). Handlers return a reason; nothing
 * else in the core builds sense bytes by hand.
 */
import { Status, type ScsiResponse } from './types.js';

export const SenseKey = {
  NoSense: 0x0,
  RecoveredError: 0x1,
  NotReady: 0x2,
  MediumError: 0x3,
  HardwareError: 0x4,
  IllegalRequest: 0x5,
  UnitAttention: 0x6,
  DataProtect: 0x7,
  BlankCheck: 0x8,
  CopyAborted: 0xa,
  AbortedCommand: 0xb,
  VolumeOverflow: 0xd,
  Miscompare: 0xe,
} as const;

/** [senseKey, asc, ascq] per reason. Add rows here, never ad-hoc sense elsewhere. */
export const SENSE_TABLE = {
  InvalidOpcode: [SenseKey.IllegalRequest, 0x20, 0x00],
  InvalidFieldInCdb: [SenseKey.IllegalRequest, 0x24, 0x00],
  InvalidFieldInParameterList: [SenseKey.IllegalRequest, 0x26, 0x00],
  ParameterListLengthError: [SenseKey.IllegalRequest, 0x1a, 0x00],
  LbaOutOfRange: [SenseKey.IllegalRequest, 0x21, 0x00],
  LunNotSupported: [SenseKey.IllegalRequest, 0x25, 0x00],
  SavingParametersNotSupported: [SenseKey.IllegalRequest, 0x39, 0x00],
  InvalidReleaseOfPersistentReservation: [SenseKey.IllegalRequest, 0x26, 0x04],
  InsufficientRegistrationResources: [SenseKey.IllegalRequest, 0x55, 0x04],
  CommandSequenceError: [SenseKey.IllegalRequest, 0x2c, 0x00],
  WriteProtected: [SenseKey.DataProtect, 0x27, 0x00],
  Miscompare: [SenseKey.Miscompare, 0x1d, 0x00],
  MiscompareDuringVerify: [SenseKey.Miscompare, 0x1d, 0x00],
  NotReadyCauseNotReportable: [SenseKey.NotReady, 0x04, 0x00],
  NotReadyManualIntervention: [SenseKey.NotReady, 0x04, 0x03],
  NotReadyStartUnitRequired: [SenseKey.NotReady, 0x04, 0x02],
  NotReadyAluaTransition: [SenseKey.NotReady, 0x04, 0x0a],
  NotReadyAluaStandby: [SenseKey.NotReady, 0x04, 0x0b],
  NotReadyAluaUnavailable: [SenseKey.NotReady, 0x04, 0x0c],
  MediumNotPresent: [SenseKey.NotReady, 0x3a, 0x00],
  UaPowerOnReset: [SenseKey.UnitAttention, 0x29, 0x00],
  UaBusDeviceReset: [SenseKey.UnitAttention, 0x29, 0x03],
  UaNexusLoss: [SenseKey.UnitAttention, 0x29, 0x07],
  UaModeParametersChanged: [SenseKey.UnitAttention, 0x2a, 0x01],
  UaReservationsPreempted: [SenseKey.UnitAttention, 0x2a, 0x03],
  UaReservationsReleased: [SenseKey.UnitAttention, 0x2a, 0x04],
  UaRegistrationsPreempted: [SenseKey.UnitAttention, 0x2a, 0x05],
  UaAsymmetricAccessStateChanged: [SenseKey.UnitAttention, 0x2a, 0x06],
  UaCapacityDataChanged: [SenseKey.UnitAttention, 0x2a, 0x09],
  UaCommandsClearedByAnotherInitiator: [SenseKey.UnitAttention, 0x2f, 0x00],
  UaReportedLunsDataChanged: [SenseKey.UnitAttention, 0x3f, 0x0e],
  UaInquiryDataChanged: [SenseKey.UnitAttention, 0x3f, 0x03],
  MediumError: [SenseKey.MediumError, 0x11, 0x00],
  WriteError: [SenseKey.MediumError, 0x0c, 0x00],
  InternalTargetFailure: [SenseKey.HardwareError, 0x44, 0x00],
  LogicalUnitCommunicationFailure: [SenseKey.HardwareError, 0x08, 0x00],
  CopyTargetDeviceNotReachable: [SenseKey.CopyAborted, 0x0d, 0x02],
  CopyInvalidTargetDescriptor: [SenseKey.IllegalRequest, 0x26, 0x00],
  TooManyTargetDescriptors: [SenseKey.IllegalRequest, 0x26, 0x06],
  TooManySegmentDescriptors: [SenseKey.IllegalRequest, 0x26, 0x08],
  UnsupportedTargetDescriptorType: [SenseKey.IllegalRequest, 0x26, 0x07],
  UnsupportedSegmentDescriptorType: [SenseKey.IllegalRequest, 0x26, 0x09],
  OperationInProgress: [SenseKey.IllegalRequest, 0x00, 0x16],
  SpaceAllocationFailedWriteProtect: [SenseKey.DataProtect, 0x27, 0x07],
  InitiatorDetectedErrorReceived: [SenseKey.AbortedCommand, 0x48, 0x00],
  NoSense: [SenseKey.NoSense, 0x00, 0x00],
  /** SBC: Data-Out shorter than the CDB requires, not a whole number of blocks (FCP-4 / libiscsi residual tests). */
  InvalidFieldInCommandInformationUnit: [SenseKey.IllegalRequest, 0x0e, 0x03],
  /** EXTENDED COPY failed while processing a segment (SPC-4 §6.4.3). */
  CopyAborted: [SenseKey.CopyAborted, 0x00, 0x00],
} as const satisfies Record<string, readonly [number, number, number]>;

export type SenseReason = keyof typeof SENSE_TABLE;

export interface SenseOptions {
  /** INFORMATION field (e.g. offset of a miscompare, SBC-4 §5.3). Sets VALID. */
  information?: number;
  /** Sense-key specific field, e.g. field pointer for ILLEGAL REQUEST (SPC-4 §4.5.2.4.2). */
  fieldPointer?: { cdb: boolean; byte: number; bit?: number | undefined };
  /** Deferred error (response code 71h). */
  deferred?: boolean;
}

/** Build fixed-format sense data (SPC-4 §4.5.3, response code 70h). 18 bytes. */
export function buildSense(reason: SenseReason, opts: SenseOptions = {}): Buffer {
  const [key, asc, ascq] = SENSE_TABLE[reason];
  const b = Buffer.alloc(18);
  b[0] = (opts.information !== undefined ? 0x80 : 0) | (opts.deferred ? 0x71 : 0x70);
  b[2] = key & 0x0f;
  if (opts.information !== undefined) b.writeUInt32BE(opts.information >>> 0, 3);
  b[7] = 10; // additional sense length
  b[12] = asc;
  b[13] = ascq;
  if (opts.fieldPointer) {
    const fp = opts.fieldPointer;
    b[15] = 0x80 | (fp.cdb ? 0x40 : 0) | (fp.bit !== undefined ? 0x08 | (fp.bit & 7) : 0);
    b.writeUInt16BE(fp.byte, 16);
  }
  return b;
}

/** A CHECK CONDITION response for a reason. */
export function checkCondition(reason: SenseReason, opts?: SenseOptions): ScsiResponse {
  return { status: Status.CheckCondition, sense: buildSense(reason, opts) };
}

export const GOOD: ScsiResponse = Object.freeze({ status: Status.Good });
