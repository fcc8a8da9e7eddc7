// Data-In reassembly by BufferOffset, status in the final Data-In, residuals, sense.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ScsiDataIn, ScsiResponsePdu } from '../pdu/types.js';
import { DataInAssembly, senseFromResponseData } from './data-in.js';

function dataIn(o: Partial<ScsiDataIn>): ScsiDataIn {
  return {
    kind: 'ScsiDataIn', immediate: false, final: false, acknowledge: false, overflow: false, underflow: false, statusPresent: false,
    status: 0, lun: Buffer.alloc(8), itt: 1, ttt: 0xffffffff, statSN: 0, expCmdSN: 0, maxCmdSN: 0, dataSN: 0, bufferOffset: 0,
    residualCount: 0, data: Buffer.alloc(0), ...o,
  };
}

test('out-of-order Data-In are placed by BufferOffset; status from the S bit', () => {
  const src = Buffer.from(Array.from({ length: 10000 }, (_, i) => i & 0xff));
  const a = new DataInAssembly(10000);
  a.add(dataIn({ bufferOffset: 8192, data: src.subarray(8192) }));
  a.add(dataIn({ bufferOffset: 0, data: src.subarray(0, 8192) }));
  const o = a.completeFromDataIn(dataIn({ statusPresent: true, final: true, status: 0, bufferOffset: 10000 }));
  assert.equal(o.kind, 'status');
  if (o.kind === 'status') assert.ok(o.data.equals(src));
});

test('underflow: data is the transferred prefix, residual reported', () => {
  const a = new DataInAssembly(4096);
  a.add(dataIn({ data: Buffer.alloc(512, 7) }));
  const o = a.completeFromDataIn(dataIn({ statusPresent: true, underflow: true, residualCount: 3584 }));
  assert.deepEqual(o.kind === 'status' && [o.data.length, o.residual, o.overflow], [512, 3584, false]);
});

test('overflow: bytes beyond the buffer are dropped and the flag is passed on', () => {
  const a = new DataInAssembly(8);
  assert.equal(a.add(dataIn({ data: Buffer.alloc(16, 1) })), false);
  const o = a.completeFromDataIn(dataIn({ statusPresent: true, overflow: true, residualCount: 8 }));
  assert.deepEqual(o.kind === 'status' && [o.data.length, o.residual, o.overflow], [8, 8, true]);
});

test('a target claiming more than it sent never exposes uninitialised memory', () => {
  const a = new DataInAssembly(1024);
  a.add(dataIn({ bufferOffset: 512, data: Buffer.alloc(100, 9) }));
  const o = a.completeFromDataIn(dataIn({ statusPresent: true }));
  assert.ok(o.kind === 'status' && o.data.subarray(612).every((b) => b === 0));
});

test('SCSI Response: sense after the 2-byte SenseLength; response 0x01 is a transport error', () => {
  const sense = Buffer.from([0x70, 0, 6, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x2a, 0x06, 0, 0, 0, 0]);
  const resp = (o: Partial<ScsiResponsePdu>): ScsiResponsePdu => ({
    kind: 'ScsiResponse', immediate: false, bidiOverflow: false, bidiUnderflow: false, overflow: false, underflow: false, response: 0,
    status: 2, itt: 1, snack: 0, statSN: 0, expCmdSN: 0, maxCmdSN: 0, expDataSN: 0, bidiReadResidualCount: 0, residualCount: 0,
    data: Buffer.concat([Buffer.from([0, sense.length]), sense]), ...o,
  });
  const o = new DataInAssembly(0).completeFromResponse(resp({}));
  assert.ok(o.kind === 'status' && o.status === 2 && o.sense?.equals(sense));
  assert.equal(new DataInAssembly(0).completeFromResponse(resp({ response: 1 })).kind, 'transport-error');
  assert.equal(senseFromResponseData(Buffer.alloc(0)), undefined);
});

test('property: any split and order of the data reassembles the original', () => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 5000 }), fc.array(fc.nat(), { maxLength: 10 }), fc.nat(), (bytes, cuts, seed) => {
    const src = Buffer.from(bytes);
    const points = [...new Set(cuts.map((c) => c % src.length))].sort((a, b) => a - b).filter((c) => c > 0);
    const bounds = [0, ...points, src.length];
    const pieces = bounds.slice(1).map((e, i) => ({ off: bounds[i]!, data: src.subarray(bounds[i]!, e) }));
    for (let i = pieces.length - 1; i > 0; i--) {
      const j = (seed + i * 7) % (i + 1);
      [pieces[i], pieces[j]] = [pieces[j]!, pieces[i]!];
    }
    const a = new DataInAssembly(src.length);
    for (const p of pieces) a.add(dataIn({ bufferOffset: p.off, data: p.data }));
    const o = a.completeFromDataIn(dataIn({ statusPresent: true }));
    assert.ok(o.kind === 'status' && o.data.equals(src));
  }));
});
