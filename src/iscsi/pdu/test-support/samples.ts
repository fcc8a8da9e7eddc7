/**
 * Sample PDUs of every kind (RFC 7143 §11), shaped so that encode→decode is the identity
 * (reserved fields zero, target PDUs not immediate, Login Request immediate). Shared by
 * codec tests here and usable by target/initiator tests.
 */
import { encodeLun } from '../../../lib/lun.js';
import type { Pdu } from '../types.js';

function bytes(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

export function samplePdus(): Pdu[] {
  const lun = encodeLun(3);
  const isid = Buffer.from([0x80, 0x12, 0x34, 0x56, 0x78, 0x9a]);
  return [
    { kind: 'NopOut', immediate: true, lun, itt: 1, ttt: 0xffffffff, cmdSN: 7, expStatSN: 9, data: Buffer.alloc(0) },
    { kind: 'NopOut', immediate: false, lun, itt: 2, ttt: 0xffffffff, cmdSN: 8, expStatSN: 9, data: bytes(5, 1) },
    {
      kind: 'ScsiCommand', immediate: false, final: true, read: true, write: false, attr: 1, lun, itt: 3,
      expectedDataTransferLength: 4096, cmdSN: 10, expStatSN: 11, cdb: bytes(16, 2), data: Buffer.alloc(0),
    },
    {
      kind: 'ScsiCommand', immediate: false, final: false, read: false, write: true, attr: 2, lun, itt: 4,
      expectedDataTransferLength: 8192, cmdSN: 0xfffffffe, expStatSN: 11, cdb: bytes(32, 3), data: bytes(2000, 4),
    },
    {
      kind: 'ScsiCommand', immediate: true, final: true, read: true, write: true, attr: 0, lun, itt: 5,
      expectedDataTransferLength: 512, cmdSN: 12, expStatSN: 11, cdb: bytes(17, 5), bidiReadExpectedLength: 1024,
      data: bytes(3, 6),
    },
    {
      kind: 'ScsiResponse', immediate: false, bidiOverflow: false, bidiUnderflow: true, overflow: false, underflow: true,
      response: 0, status: 2, itt: 3, snack: 0, statSN: 20, expCmdSN: 21, maxCmdSN: 52, expDataSN: 1,
      bidiReadResidualCount: 0, residualCount: 100, data: bytes(20, 7),
    },
    {
      kind: 'TaskMgmtRequest', immediate: true, function: 1, lun, itt: 6, referencedTaskTag: 3, cmdSN: 13,
      expStatSN: 21, refCmdSN: 10, expDataSN: 0,
    },
    { kind: 'TaskMgmtResponse', immediate: false, response: 0, itt: 6, statSN: 21, expCmdSN: 14, maxCmdSN: 45 },
    {
      kind: 'ScsiDataOut', immediate: false, final: true, lun, itt: 4, ttt: 0x1234, expStatSN: 21, dataSN: 0,
      bufferOffset: 8192, data: bytes(8192, 8),
    },
    {
      kind: 'ScsiDataIn', immediate: false, final: true, acknowledge: false, overflow: false, underflow: false,
      statusPresent: true, status: 0, lun, itt: 3, ttt: 0xffffffff, statSN: 22, expCmdSN: 14, maxCmdSN: 45,
      dataSN: 0, bufferOffset: 0, residualCount: 0, data: bytes(4096, 9),
    },
    {
      kind: 'ScsiDataIn', immediate: false, final: false, acknowledge: true, overflow: false, underflow: false,
      statusPresent: false, status: 0, lun, itt: 3, ttt: 0xffffffff, statSN: 0, expCmdSN: 14, maxCmdSN: 45,
      dataSN: 1, bufferOffset: 4096, residualCount: 0, data: bytes(1, 10),
    },
    {
      kind: 'R2T', immediate: false, lun, itt: 4, ttt: 0x1234, statSN: 22, expCmdSN: 14, maxCmdSN: 45, r2tSN: 0,
      bufferOffset: 0, desiredDataTransferLength: 65536,
    },
    {
      kind: 'AsyncMessage', immediate: false, lun, statSN: 23, expCmdSN: 14, maxCmdSN: 45, asyncEvent: 1,
      asyncVCode: 0, parameter1: 0, parameter2: 2, parameter3: 20, data: Buffer.alloc(0),
    },
    {
      kind: 'TextRequest', immediate: true, final: true, continue: false, lun: Buffer.alloc(8), itt: 7,
      ttt: 0xffffffff, cmdSN: 14, expStatSN: 23, data: Buffer.from('SendTargets=All\0'),
    },
    {
      kind: 'TextResponse', immediate: false, final: true, continue: false, lun: Buffer.alloc(8), itt: 7,
      ttt: 0xffffffff, statSN: 24, expCmdSN: 15, maxCmdSN: 46,
      data: Buffer.from('TargetName=iqn.2026-11.io.tandem:vol1\0TargetAddress=10.0.0.1:3260,1\0'),
    },
    {
      kind: 'LoginRequest', immediate: true, transit: true, continue: false, csg: 1, nsg: 3, versionMax: 0,
      versionMin: 0, isid, tsih: 0, itt: 0, cid: 1, cmdSN: 1, expStatSN: 0,
      data: Buffer.from('InitiatorName=iqn.2026-11.io.tandem:host\0SessionType=Normal\0'),
    },
    {
      kind: 'LoginResponse', immediate: false, transit: true, continue: false, csg: 1, nsg: 3, versionMax: 0,
      versionActive: 0, isid, tsih: 0x1a2b, itt: 0, statSN: 1, expCmdSN: 1, maxCmdSN: 32, statusClass: 0,
      statusDetail: 0, data: Buffer.from('MaxRecvDataSegmentLength=262144\0'),
    },
    { kind: 'LogoutRequest', immediate: true, reasonCode: 0, itt: 8, cid: 1, cmdSN: 15, expStatSN: 24 },
    {
      kind: 'LogoutResponse', immediate: false, response: 0, itt: 8, statSN: 24, expCmdSN: 16, maxCmdSN: 47,
      time2Wait: 2, time2Retain: 20,
    },
    {
      kind: 'SnackRequest', immediate: false, type: 1, lun, itt: 3, ttt: 0, expStatSN: 24, begRun: 0, runLength: 2,
    },
    {
      kind: 'Reject', immediate: false, reason: 0x09, statSN: 25, expCmdSN: 16, maxCmdSN: 47, dataSN: 0,
      data: bytes(48, 11),
    },
    {
      kind: 'NopIn', immediate: false, lun, itt: 0xffffffff, ttt: 0x55, statSN: 25, expCmdSN: 16, maxCmdSN: 47,
      data: Buffer.alloc(0),
    },
  ];
}
