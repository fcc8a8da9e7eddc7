/**
 * fast-check arbitraries for every PDU kind (RFC 7143 §11), generating only PDUs for which
 * encode→decode is the identity. Test-only (imports fast-check).
 */
import fc from 'fast-check';
import type { Pdu } from '../types.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u8 = fc.integer({ min: 0, max: 0xff });
const buf = (min: number, max: number): fc.Arbitrary<Buffer> =>
  fc.uint8Array({ minLength: min, maxLength: max }).map((a) => Buffer.from(a));
const data = fc.oneof(buf(0, 8), buf(0, 3000));
const lun = buf(8, 8);

export function arbPdu(): fc.Arbitrary<Pdu> {
  const b = fc.boolean();
  return fc.oneof(
    fc.record({ kind: fc.constant('NopOut' as const), immediate: b, lun, itt: u32, ttt: u32, cmdSN: u32, expStatSN: u32, data }),
    fc.record(
      {
        kind: fc.constant('ScsiCommand' as const), immediate: b, final: b, read: b, write: b,
        attr: fc.integer({ min: 0, max: 7 }), lun, itt: u32, expectedDataTransferLength: u32, cmdSN: u32,
        expStatSN: u32, cdb: fc.oneof(buf(16, 16), buf(17, 260)), bidiReadExpectedLength: u32, data,
      },
      { requiredKeys: ['kind', 'immediate', 'final', 'read', 'write', 'attr', 'lun', 'itt', 'expectedDataTransferLength', 'cmdSN', 'expStatSN', 'cdb', 'data'] },
    ),
    fc.record({
      kind: fc.constant('ScsiResponse' as const), immediate: fc.constant(false), bidiOverflow: b, bidiUnderflow: b,
      overflow: b, underflow: b, response: u8, status: u8, itt: u32, snack: u32, statSN: u32, expCmdSN: u32,
      maxCmdSN: u32, expDataSN: u32, bidiReadResidualCount: u32, residualCount: u32, data,
    }),
    fc.record({
      kind: fc.constant('TaskMgmtRequest' as const), immediate: b, function: fc.integer({ min: 0, max: 127 }), lun,
      itt: u32, referencedTaskTag: u32, cmdSN: u32, expStatSN: u32, refCmdSN: u32, expDataSN: u32,
    }),
    fc.record({ kind: fc.constant('TaskMgmtResponse' as const), immediate: fc.constant(false), response: u8, itt: u32, statSN: u32, expCmdSN: u32, maxCmdSN: u32 }),
    fc.record({
      kind: fc.constant('ScsiDataOut' as const), immediate: fc.constant(false), final: b, lun, itt: u32, ttt: u32,
      expStatSN: u32, dataSN: u32, bufferOffset: u32, data,
    }),
    fc.boolean().chain((s) =>
      fc.record({
        kind: fc.constant('ScsiDataIn' as const), immediate: fc.constant(false), final: b, acknowledge: b,
        overflow: b, underflow: b, statusPresent: fc.constant(s), status: s ? u8 : fc.constant(0), lun, itt: u32,
        ttt: u32, statSN: s ? u32 : fc.constant(0), expCmdSN: u32, maxCmdSN: u32, dataSN: u32, bufferOffset: u32,
        residualCount: u32, data,
      }),
    ),
    fc.record({
      kind: fc.constant('R2T' as const), immediate: fc.constant(false), lun, itt: u32, ttt: u32, statSN: u32,
      expCmdSN: u32, maxCmdSN: u32, r2tSN: u32, bufferOffset: u32, desiredDataTransferLength: u32,
    }),
    fc.record({
      kind: fc.constant('AsyncMessage' as const), immediate: fc.constant(false), lun, statSN: u32, expCmdSN: u32,
      maxCmdSN: u32, asyncEvent: u8, asyncVCode: u8, parameter1: u16, parameter2: u16, parameter3: u16, data,
    }),
    fc.record({
      kind: fc.constant('TextRequest' as const), immediate: b, final: b, continue: b, lun, itt: u32, ttt: u32,
      cmdSN: u32, expStatSN: u32, data,
    }),
    fc.record({
      kind: fc.constant('TextResponse' as const), immediate: fc.constant(false), final: b, continue: b, lun,
      itt: u32, ttt: u32, statSN: u32, expCmdSN: u32, maxCmdSN: u32, data,
    }),
    fc.record({
      kind: fc.constant('LoginRequest' as const), immediate: fc.constant(true), transit: b, continue: b,
      csg: fc.integer({ min: 0, max: 3 }), nsg: fc.integer({ min: 0, max: 3 }), versionMax: u8, versionMin: u8,
      isid: buf(6, 6), tsih: u16, itt: u32, cid: u16, cmdSN: u32, expStatSN: u32, data,
    }),
    fc.record({
      kind: fc.constant('LoginResponse' as const), immediate: fc.constant(false), transit: b, continue: b,
      csg: fc.integer({ min: 0, max: 3 }), nsg: fc.integer({ min: 0, max: 3 }), versionMax: u8, versionActive: u8,
      isid: buf(6, 6), tsih: u16, itt: u32, statSN: u32, expCmdSN: u32, maxCmdSN: u32, statusClass: u8,
      statusDetail: u8, data,
    }),
    fc.record({
      kind: fc.constant('LogoutRequest' as const), immediate: b, reasonCode: fc.integer({ min: 0, max: 127 }),
      itt: u32, cid: u16, cmdSN: u32, expStatSN: u32,
    }),
    fc.record({
      kind: fc.constant('LogoutResponse' as const), immediate: fc.constant(false), response: u8, itt: u32,
      statSN: u32, expCmdSN: u32, maxCmdSN: u32, time2Wait: u16, time2Retain: u16,
    }),
    fc.record({
      kind: fc.constant('SnackRequest' as const), immediate: fc.constant(false), type: fc.integer({ min: 0, max: 15 }),
      lun, itt: u32, ttt: u32, expStatSN: u32, begRun: u32, runLength: u32,
    }),
    fc.record({
      kind: fc.constant('Reject' as const), immediate: fc.constant(false), reason: u8, statSN: u32, expCmdSN: u32,
      maxCmdSN: u32, dataSN: u32, data: buf(48, 48),
    }),
    fc.record({
      kind: fc.constant('NopIn' as const), immediate: fc.constant(false), lun, itt: u32, ttt: u32, statSN: u32,
      expCmdSN: u32, maxCmdSN: u32, data,
    }),
  );
}
