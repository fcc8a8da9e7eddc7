/**
 * Decoder for every iSCSI PDU (initiator and target opcodes), RFC 7143 §11.
 * BHS layout (§11.2.1): byte 0 = .|I|opcode, byte 1 = F + opcode-specific flags,
 * byte 4 = TotalAHSLength, bytes 5..7 = DataSegmentLength, bytes 8..15 = LUN or
 * opcode-specific, bytes 16..19 = Initiator Task Tag, bytes 20..47 opcode-specific.
 *
 * Failure semantics: never throws on bad input; returns { ok:false, reason, message }
 * with a Reject reason (§11.17.1) the caller puts into a Reject PDU. Buffers in the
 * result (lun, isid, cdb, data) alias the RawPdu buffers; nothing is copied except an
 * extended CDB (§11.3.5) which must be joined to the BHS part.
 */
import {
  Opcode,
  RejectReason,
  type DecodeResult,
  type Pdu,
  type RawPdu,
  type ScsiCommandPdu,
} from './types.js';

type Result = DecodeResult<Pdu>;

function fail(reason: number, message: string): Result {
  return { ok: false, reason, message };
}

/** AHS types, §11.2.2: 1 Extended CDB, 2 Bidirectional Read Expected Data Transfer Length. */
export const AhsType = { ExtendedCdb: 1, BidiReadExpectedLength: 2 } as const;

export function decodePdu(raw: RawPdu): Result {
  const b = raw.bhs;
  if (b.length !== 48) return fail(RejectReason.ProtocolError, `BHS is ${b.length} bytes, expected 48`);
  const totalAhs = b[4]! * 4;
  const dsl = (b[5]! << 16) | (b[6]! << 8) | b[7]!;
  if (raw.ahs.length !== totalAhs) return fail(RejectReason.ProtocolError, `AHS is ${raw.ahs.length} bytes, TotalAHSLength says ${totalAhs}`);
  if (raw.data.length !== dsl) return fail(RejectReason.ProtocolError, `data segment is ${raw.data.length} bytes, DataSegmentLength says ${dsl}`);
  const immediate = (b[0]! & 0x40) !== 0;
  const opcode = b[0]! & 0x3f;
  const f1 = b[1]!;
  const final = (f1 & 0x80) !== 0;
  const data = raw.data;
  const lun = b.subarray(8, 16);
  const itt = b.readUInt32BE(16);
  const w = (off: number): number => b.readUInt32BE(off);

  switch (opcode) {
    // §11.18 NOP-Out
    case Opcode.NopOut:
      return { ok: true, pdu: { kind: 'NopOut', immediate, lun, itt, ttt: w(20), cmdSN: w(24), expStatSN: w(28), data } };
    // §11.3 SCSI Command
    case Opcode.ScsiCommand:
      return decodeScsiCommand(raw, immediate);
    // §11.5 Task Management Function Request
    case Opcode.TaskMgmtRequest:
      if (dsl !== 0) return fail(RejectReason.ProtocolError, 'Task Management Function Request carries a data segment (§11.5: DataSegmentLength 0)');
      return {
        ok: true,
        pdu: {
          kind: 'TaskMgmtRequest', immediate, function: f1 & 0x7f, lun, itt,
          referencedTaskTag: w(20), cmdSN: w(24), expStatSN: w(28), refCmdSN: w(32), expDataSN: w(36),
        },
      };
    // §11.12 Login Request
    case Opcode.LoginRequest:
      return {
        ok: true,
        pdu: {
          kind: 'LoginRequest', immediate, transit: final, continue: (f1 & 0x40) !== 0,
          csg: (f1 >>> 2) & 3, nsg: f1 & 3, versionMax: b[2]!, versionMin: b[3]!,
          isid: b.subarray(8, 14), tsih: b.readUInt16BE(14), itt, cid: b.readUInt16BE(20),
          cmdSN: w(24), expStatSN: w(28), data,
        },
      };
    // §11.10 Text Request
    case Opcode.TextRequest:
      return {
        ok: true,
        pdu: {
          kind: 'TextRequest', immediate, final, continue: (f1 & 0x40) !== 0, lun, itt,
          ttt: w(20), cmdSN: w(24), expStatSN: w(28), data,
        },
      };
    // §11.7 SCSI Data-Out
    case Opcode.ScsiDataOut:
      return {
        ok: true,
        pdu: {
          kind: 'ScsiDataOut', immediate, final, lun, itt, ttt: w(20), expStatSN: w(28),
          dataSN: w(36), bufferOffset: w(40), data,
        },
      };
    // §11.14 Logout Request
    case Opcode.LogoutRequest:
      if (dsl !== 0) return fail(RejectReason.ProtocolError, 'Logout Request carries a data segment (§11.14: DataSegmentLength 0)');
      return {
        ok: true,
        pdu: {
          kind: 'LogoutRequest', immediate, reasonCode: f1 & 0x7f, itt, cid: b.readUInt16BE(20),
          cmdSN: w(24), expStatSN: w(28),
        },
      };
    // §11.16 SNACK Request
    case Opcode.SnackRequest:
      if (dsl !== 0) return fail(RejectReason.ProtocolError, 'SNACK Request carries a data segment (§11.16)');
      return {
        ok: true,
        pdu: {
          kind: 'SnackRequest', immediate, type: f1 & 0x0f, lun, itt, ttt: w(20),
          expStatSN: w(28), begRun: w(40), runLength: w(44),
        },
      };
    // §11.19 NOP-In
    case Opcode.NopIn:
      return {
        ok: true,
        pdu: {
          kind: 'NopIn', immediate, lun, itt, ttt: w(20), statSN: w(24), expCmdSN: w(28),
          maxCmdSN: w(32), data,
        },
      };
    // §11.4 SCSI Response
    case Opcode.ScsiResponse:
      return {
        ok: true,
        pdu: {
          kind: 'ScsiResponse', immediate,
          bidiOverflow: (f1 & 0x10) !== 0, bidiUnderflow: (f1 & 0x08) !== 0,
          overflow: (f1 & 0x04) !== 0, underflow: (f1 & 0x02) !== 0,
          response: b[2]!, status: b[3]!, itt, snack: w(20), statSN: w(24), expCmdSN: w(28),
          maxCmdSN: w(32), expDataSN: w(36), bidiReadResidualCount: w(40), residualCount: w(44), data,
        },
      };
    // §11.6 Task Management Function Response
    case Opcode.TaskMgmtResponse:
      return {
        ok: true,
        pdu: {
          kind: 'TaskMgmtResponse', immediate, response: b[2]!, itt, statSN: w(24),
          expCmdSN: w(28), maxCmdSN: w(32),
        },
      };
    // §11.13 Login Response
    case Opcode.LoginResponse:
      return {
        ok: true,
        pdu: {
          kind: 'LoginResponse', immediate, transit: final, continue: (f1 & 0x40) !== 0,
          csg: (f1 >>> 2) & 3, nsg: f1 & 3, versionMax: b[2]!, versionActive: b[3]!,
          isid: b.subarray(8, 14), tsih: b.readUInt16BE(14), itt, statSN: w(24),
          expCmdSN: w(28), maxCmdSN: w(32), statusClass: b[36]!, statusDetail: b[37]!, data,
        },
      };
    // §11.11 Text Response
    case Opcode.TextResponse:
      return {
        ok: true,
        pdu: {
          kind: 'TextResponse', immediate, final, continue: (f1 & 0x40) !== 0, lun, itt,
          ttt: w(20), statSN: w(24), expCmdSN: w(28), maxCmdSN: w(32), data,
        },
      };
    // §11.7 SCSI Data-In
    case Opcode.ScsiDataIn:
      return {
        ok: true,
        pdu: {
          kind: 'ScsiDataIn', immediate, final, acknowledge: (f1 & 0x40) !== 0,
          overflow: (f1 & 0x04) !== 0, underflow: (f1 & 0x02) !== 0, statusPresent: (f1 & 0x01) !== 0,
          status: b[3]!, lun, itt, ttt: w(20), statSN: w(24), expCmdSN: w(28), maxCmdSN: w(32),
          dataSN: w(36), bufferOffset: w(40), residualCount: w(44), data,
        },
      };
    // §11.15 Logout Response
    case Opcode.LogoutResponse:
      return {
        ok: true,
        pdu: {
          kind: 'LogoutResponse', immediate, response: b[2]!, itt, statSN: w(24),
          expCmdSN: w(28), maxCmdSN: w(32), time2Wait: b.readUInt16BE(40), time2Retain: b.readUInt16BE(42),
        },
      };
    // §11.8 Ready To Transfer
    case Opcode.R2T:
      return {
        ok: true,
        pdu: {
          kind: 'R2T', immediate, lun, itt, ttt: w(20), statSN: w(24), expCmdSN: w(28),
          maxCmdSN: w(32), r2tSN: w(36), bufferOffset: w(40), desiredDataTransferLength: w(44),
        },
      };
    // §11.9 Asynchronous Message
    case Opcode.AsyncMessage:
      return {
        ok: true,
        pdu: {
          kind: 'AsyncMessage', immediate, lun, statSN: w(24), expCmdSN: w(28), maxCmdSN: w(32),
          asyncEvent: b[36]!, asyncVCode: b[37]!, parameter1: b.readUInt16BE(38),
          parameter2: b.readUInt16BE(40), parameter3: b.readUInt16BE(42), data,
        },
      };
    // §11.17 Reject
    case Opcode.Reject:
      return {
        ok: true,
        pdu: {
          kind: 'Reject', immediate, reason: b[2]!, statSN: w(24), expCmdSN: w(28),
          maxCmdSN: w(32), dataSN: w(36), data,
        },
      };
    default:
      return fail(RejectReason.CommandNotSupported, `unsupported opcode 0x${opcode.toString(16).padStart(2, '0')}`);
  }
}

/**
 * §11.3 SCSI Command (CDB §11.3.5), with its AHS (§11.2.2): Extended CDB (AHSLength =
 * CDBLength - 15) and Bidirectional Read Expected Data Transfer Length (AHSLength = 5).
 * Each AHS is 3 + AHSLength bytes padded to a 4-byte boundary.
 */
function decodeScsiCommand(raw: RawPdu, immediate: boolean): Result {
  const b = raw.bhs;
  const f1 = b[1]!;
  const ahs = raw.ahs;
  let cdb: Buffer = b.subarray(32, 48);
  let bidiReadExpectedLength: number | undefined;
  let off = 0;
  while (off < ahs.length) {
    if (off + 4 > ahs.length) return fail(RejectReason.InvalidPduField, 'truncated AHS header');
    const len = ahs.readUInt16BE(off);
    const type = ahs[off + 2]!;
    const total = (3 + len + 3) & ~3;
    if (len === 0 || off + total > ahs.length) return fail(RejectReason.InvalidPduField, `AHS type ${type} length ${len} does not fit TotalAHSLength`);
    if (type === AhsType.ExtendedCdb) {
      if (cdb.length > 16) return fail(RejectReason.InvalidPduField, 'two Extended CDB AHS');
      cdb = Buffer.concat([cdb, ahs.subarray(off + 4, off + 3 + len)]);
    } else if (type === AhsType.BidiReadExpectedLength) {
      if (len !== 5) return fail(RejectReason.InvalidPduField, `Bidirectional Read AHS length ${len}, expected 5`);
      bidiReadExpectedLength = ahs.readUInt32BE(off + 4);
    } else {
      return fail(RejectReason.InvalidPduField, `unknown AHS type ${type}`);
    }
    off += total;
  }
  const pdu: ScsiCommandPdu = {
    kind: 'ScsiCommand',
    immediate,
    final: (f1 & 0x80) !== 0,
    read: (f1 & 0x40) !== 0,
    write: (f1 & 0x20) !== 0,
    attr: f1 & 0x07,
    lun: b.subarray(8, 16),
    itt: b.readUInt32BE(16),
    expectedDataTransferLength: b.readUInt32BE(20),
    cmdSN: b.readUInt32BE(24),
    expStatSN: b.readUInt32BE(28),
    cdb,
    data: raw.data,
  };
  if (bidiReadExpectedLength !== undefined) pdu.bidiReadExpectedLength = bidiReadExpectedLength;
  return { ok: true, pdu };
}
