/**
 * Encoder for every iSCSI PDU, RFC 7143 §11 (BHS layout §11.2.1, AHS §11.2.2, PDU length
 * and padding §11.1: the data segment is padded with zero bytes to a 4-byte boundary and
 * DataSegmentLength excludes the padding; digests §11.2.3/§13.1: CRC32C written
 * little-endian, covering the padding, see lib/crc32c.ts).
 *
 * encodePdu returns the wire bytes as buffers to write in order. The data segment is
 * passed through by reference when it is large (no copy); small PDUs come out as one
 * buffer. Input is trusted (our own PDUs): out-of-range numbers are masked, not checked.
 */
import { crc32c } from '../../lib/crc32c.js';
import { AhsType } from './decode.js';
import { Opcode, type DigestSettings, type Pdu } from './types.js';

/** Data segments up to this size are copied next to the header: one write instead of two. */
const INLINE_DATA_MAX = 1024;

function pdata(pdu: Pdu): Buffer | undefined {
  return 'data' in pdu ? pdu.data : undefined;
}

/** AHS bytes for a SCSI Command (§11.2.2: Extended CDB, bidirectional read length). */
function commandAhsLength(pdu: Pdu): number {
  if (pdu.kind !== 'ScsiCommand') return 0;
  let n = 0;
  if (pdu.cdb.length > 16) n += (3 + (pdu.cdb.length - 15) + 3) & ~3;
  if (pdu.bidiReadExpectedLength !== undefined) n += 8;
  return n;
}

function writeCommandAhs(pdu: Pdu, buf: Buffer, off: number): void {
  if (pdu.kind !== 'ScsiCommand') return;
  if (pdu.cdb.length > 16) {
    const len = pdu.cdb.length - 15;
    buf.writeUInt16BE(len, off);
    buf[off + 2] = AhsType.ExtendedCdb;
    buf[off + 3] = 0;
    pdu.cdb.copy(buf, off + 4, 16);
    off += (3 + len + 3) & ~3;
  }
  if (pdu.bidiReadExpectedLength !== undefined) {
    buf.writeUInt16BE(5, off);
    buf[off + 2] = AhsType.BidiReadExpectedLength;
    buf[off + 3] = 0;
    buf.writeUInt32BE(pdu.bidiReadExpectedLength >>> 0, off + 4);
  }
}

/** Encode a PDU; returns the buffers to write in order (header [+AHS] [+digest], data, pad [+digest]). */
export function encodePdu(pdu: Pdu, digests: DigestSettings): Buffer[] {
  const data = pdata(pdu);
  const dlen = data === undefined ? 0 : data.length;
  const pad = (4 - (dlen & 3)) & 3;
  const ahsLen = commandAhsLength(pdu);
  const hdrLen = 48 + ahsLen;
  const hdLen = digests.header ? 4 : 0;
  const ddLen = digests.data && dlen > 0 ? 4 : 0;
  const tailLen = dlen > 0 ? pad + ddLen : 0;
  const inline = dlen <= INLINE_DATA_MAX;
  const firstLen = hdrLen + hdLen + (inline ? dlen + tailLen : 0);
  const out = Buffer.allocUnsafe(firstLen);
  out.fill(0, 0, hdrLen);
  writeBhs(pdu, out, dlen, ahsLen);
  if (ahsLen > 0) writeCommandAhs(pdu, out, 48);
  if (hdLen) out.writeUInt32LE(crc32c(out, 0, 0, hdrLen), hdrLen);
  if (dlen === 0) return [out];
  const d = data!;
  let dd = 0;
  if (ddLen) {
    dd = crc32c(d);
    if (pad) dd = crc32c(ZEROS, dd, 0, pad);
  }
  if (inline) {
    let o = hdrLen + hdLen;
    d.copy(out, o);
    o += dlen;
    for (let i = 0; i < pad; i++) out[o++] = 0;
    if (ddLen) out.writeUInt32LE(dd, o);
    return [out];
  }
  if (tailLen === 0) return [out, d];
  const tail = Buffer.allocUnsafe(tailLen);
  for (let i = 0; i < pad; i++) tail[i] = 0;
  if (ddLen) tail.writeUInt32LE(dd, pad);
  return [out, d, tail];
}

/** encodePdu concatenated into one buffer (tests, small control PDUs). */
export function encodePduToBuffer(pdu: Pdu, digests: DigestSettings): Buffer {
  const parts = encodePdu(pdu, digests);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

const ZEROS = new Uint8Array(4);

function u32(buf: Buffer, off: number, v: number): void {
  buf.writeUInt32BE(v >>> 0, off);
}

/** Write the 48-byte BHS. `out` bytes 0..47 are already zero. */
function writeBhs(pdu: Pdu, out: Buffer, dlen: number, ahsLen: number): void {
  out[4] = ahsLen >>> 2;
  out[5] = (dlen >>> 16) & 0xff;
  out[6] = (dlen >>> 8) & 0xff;
  out[7] = dlen & 0xff;
  const imm = pdu.immediate ? 0x40 : 0;
  switch (pdu.kind) {
    case 'NopOut': // §11.18
      out[0] = imm | Opcode.NopOut;
      out[1] = 0x80;
      pdu.lun.copy(out, 8, 0, 8);
      u32(out, 16, pdu.itt); u32(out, 20, pdu.ttt); u32(out, 24, pdu.cmdSN); u32(out, 28, pdu.expStatSN);
      return;
    case 'ScsiCommand': // §11.3
      out[0] = imm | Opcode.ScsiCommand;
      out[1] = (pdu.final ? 0x80 : 0) | (pdu.read ? 0x40 : 0) | (pdu.write ? 0x20 : 0) | (pdu.attr & 7);
      pdu.lun.copy(out, 8, 0, 8);
      u32(out, 16, pdu.itt); u32(out, 20, pdu.expectedDataTransferLength);
      u32(out, 24, pdu.cmdSN); u32(out, 28, pdu.expStatSN);
      pdu.cdb.copy(out, 32, 0, Math.min(16, pdu.cdb.length));
      return;
    case 'TaskMgmtRequest': // §11.5
      out[0] = imm | Opcode.TaskMgmtRequest;
      out[1] = 0x80 | (pdu.function & 0x7f);
      pdu.lun.copy(out, 8, 0, 8);
      u32(out, 16, pdu.itt); u32(out, 20, pdu.referencedTaskTag); u32(out, 24, pdu.cmdSN);
      u32(out, 28, pdu.expStatSN); u32(out, 32, pdu.refCmdSN); u32(out, 36, pdu.expDataSN);
      return;
    case 'LoginRequest': // §11.12: "I bit: always 1"
      out[0] = 0x40 | Opcode.LoginRequest;
      out[1] = (pdu.transit ? 0x80 : 0) | (pdu.continue ? 0x40 : 0) | ((pdu.csg & 3) << 2) | (pdu.nsg & 3);
      out[2] = pdu.versionMax; out[3] = pdu.versionMin;
      pdu.isid.copy(out, 8, 0, 6);
      out.writeUInt16BE(pdu.tsih & 0xffff, 14);
      u32(out, 16, pdu.itt); out.writeUInt16BE(pdu.cid & 0xffff, 20);
      u32(out, 24, pdu.cmdSN); u32(out, 28, pdu.expStatSN);
      return;
    case 'TextRequest': // §11.10
      out[0] = imm | Opcode.TextRequest;
      out[1] = (pdu.final ? 0x80 : 0) | (pdu.continue ? 0x40 : 0);
      pdu.lun.copy(out, 8, 0, 8);
      u32(out, 16, pdu.itt); u32(out, 20, pdu.ttt); u32(out, 24, pdu.cmdSN); u32(out, 28, pdu.expStatSN);
      return;
    case 'ScsiDataOut': // §11.7
      out[0] = Opcode.ScsiDataOut;
      out[1] = pdu.final ? 0x80 : 0;
      pdu.lun.copy(out, 8, 0, 8);
      u32(out, 16, pdu.itt); u32(out, 20, pdu.ttt); u32(out, 28, pdu.expStatSN);
      u32(out, 36, pdu.dataSN); u32(out, 40, pdu.bufferOffset);
      return;
    case 'LogoutRequest': // §11.14
      out[0] = imm | Opcode.LogoutRequest;
      out[1] = 0x80 | (pdu.reasonCode & 0x7f);
      u32(out, 16, pdu.itt); out.writeUInt16BE(pdu.cid & 0xffff, 20);
      u32(out, 24, pdu.cmdSN); u32(out, 28, pdu.expStatSN);
      return;
    case 'SnackRequest': // §11.16
      out[0] = Opcode.SnackRequest;
      out[1] = 0x80 | (pdu.type & 0x0f);
      pdu.lun.copy(out, 8, 0, 8);
      u32(out, 16, pdu.itt); u32(out, 20, pdu.ttt); u32(out, 28, pdu.expStatSN);
      u32(out, 40, pdu.begRun); u32(out, 44, pdu.runLength);
      return;
    case 'NopIn': // §11.19
      out[0] = Opcode.NopIn;
      out[1] = 0x80;
      pdu.lun.copy(out, 8, 0, 8);
      u32(out, 16, pdu.itt); u32(out, 20, pdu.ttt); u32(out, 24, pdu.statSN);
      u32(out, 28, pdu.expCmdSN); u32(out, 32, pdu.maxCmdSN);
      return;
    case 'ScsiResponse': // §11.4
      out[0] = Opcode.ScsiResponse;
      out[1] = 0x80 | (pdu.bidiOverflow ? 0x10 : 0) | (pdu.bidiUnderflow ? 0x08 : 0) |
        (pdu.overflow ? 0x04 : 0) | (pdu.underflow ? 0x02 : 0);
      out[2] = pdu.response; out[3] = pdu.status;
      u32(out, 16, pdu.itt); u32(out, 20, pdu.snack); u32(out, 24, pdu.statSN);
      u32(out, 28, pdu.expCmdSN); u32(out, 32, pdu.maxCmdSN); u32(out, 36, pdu.expDataSN);
      u32(out, 40, pdu.bidiReadResidualCount); u32(out, 44, pdu.residualCount);
      return;
    case 'TaskMgmtResponse': // §11.6
      out[0] = Opcode.TaskMgmtResponse;
      out[1] = 0x80;
      out[2] = pdu.response;
      u32(out, 16, pdu.itt); u32(out, 24, pdu.statSN); u32(out, 28, pdu.expCmdSN); u32(out, 32, pdu.maxCmdSN);
      return;
    case 'LoginResponse': // §11.13
      out[0] = Opcode.LoginResponse;
      out[1] = (pdu.transit ? 0x80 : 0) | (pdu.continue ? 0x40 : 0) | ((pdu.csg & 3) << 2) | (pdu.nsg & 3);
      out[2] = pdu.versionMax; out[3] = pdu.versionActive;
      pdu.isid.copy(out, 8, 0, 6);
      out.writeUInt16BE(pdu.tsih & 0xffff, 14);
      u32(out, 16, pdu.itt); u32(out, 24, pdu.statSN); u32(out, 28, pdu.expCmdSN); u32(out, 32, pdu.maxCmdSN);
      out[36] = pdu.statusClass; out[37] = pdu.statusDetail;
      return;
    case 'TextResponse': // §11.11
      out[0] = Opcode.TextResponse;
      out[1] = (pdu.final ? 0x80 : 0) | (pdu.continue ? 0x40 : 0);
      pdu.lun.copy(out, 8, 0, 8);
      u32(out, 16, pdu.itt); u32(out, 20, pdu.ttt); u32(out, 24, pdu.statSN);
      u32(out, 28, pdu.expCmdSN); u32(out, 32, pdu.maxCmdSN);
      return;
    case 'ScsiDataIn': // §11.7
      out[0] = Opcode.ScsiDataIn;
      out[1] = (pdu.final ? 0x80 : 0) | (pdu.acknowledge ? 0x40 : 0) | (pdu.overflow ? 0x04 : 0) |
        (pdu.underflow ? 0x02 : 0) | (pdu.statusPresent ? 0x01 : 0);
      out[3] = pdu.statusPresent ? pdu.status : 0;
      pdu.lun.copy(out, 8, 0, 8);
      u32(out, 16, pdu.itt); u32(out, 20, pdu.ttt); u32(out, 24, pdu.statusPresent ? pdu.statSN : 0);
      u32(out, 28, pdu.expCmdSN); u32(out, 32, pdu.maxCmdSN); u32(out, 36, pdu.dataSN);
      u32(out, 40, pdu.bufferOffset); u32(out, 44, pdu.residualCount);
      return;
    case 'LogoutResponse': // §11.15
      out[0] = Opcode.LogoutResponse;
      out[1] = 0x80;
      out[2] = pdu.response;
      u32(out, 16, pdu.itt); u32(out, 24, pdu.statSN); u32(out, 28, pdu.expCmdSN); u32(out, 32, pdu.maxCmdSN);
      out.writeUInt16BE(pdu.time2Wait & 0xffff, 40); out.writeUInt16BE(pdu.time2Retain & 0xffff, 42);
      return;
    case 'R2T': // §11.8
      out[0] = Opcode.R2T;
      out[1] = 0x80;
      pdu.lun.copy(out, 8, 0, 8);
      u32(out, 16, pdu.itt); u32(out, 20, pdu.ttt); u32(out, 24, pdu.statSN); u32(out, 28, pdu.expCmdSN);
      u32(out, 32, pdu.maxCmdSN); u32(out, 36, pdu.r2tSN); u32(out, 40, pdu.bufferOffset);
      u32(out, 44, pdu.desiredDataTransferLength);
      return;
    case 'AsyncMessage': // §11.9: Initiator Task Tag 0xffffffff
      out[0] = Opcode.AsyncMessage;
      out[1] = 0x80;
      pdu.lun.copy(out, 8, 0, 8);
      u32(out, 16, 0xffffffff); u32(out, 24, pdu.statSN); u32(out, 28, pdu.expCmdSN); u32(out, 32, pdu.maxCmdSN);
      out[36] = pdu.asyncEvent; out[37] = pdu.asyncVCode;
      out.writeUInt16BE(pdu.parameter1 & 0xffff, 38); out.writeUInt16BE(pdu.parameter2 & 0xffff, 40);
      out.writeUInt16BE(pdu.parameter3 & 0xffff, 42);
      return;
    case 'Reject': // §11.17: Initiator Task Tag 0xffffffff
      out[0] = Opcode.Reject;
      out[1] = 0x80;
      out[2] = pdu.reason;
      u32(out, 16, 0xffffffff); u32(out, 24, pdu.statSN); u32(out, 28, pdu.expCmdSN);
      u32(out, 32, pdu.maxCmdSN); u32(out, 36, pdu.dataSN);
      return;
  }
}
