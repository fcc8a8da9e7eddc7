// Framer placeData (RFC 7143 §11.7 Data-Out copied straight to its destination): the
// same PDUs come out as without it, the data lands in the destination, digests still checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodePdu } from './decode.js';
import { encodePduToBuffer } from './encode.js';
import { Framer } from './framer.js';
import type { DigestSettings, ScsiDataOut } from './types.js';

function dataOut(len: number, fill: number): ScsiDataOut {
  const data = Buffer.alloc(len);
  for (let i = 0; i < len; i++) data[i] = (fill + i * 7) & 0xff;
  return { kind: 'ScsiDataOut', immediate: false, final: true, lun: Buffer.alloc(8), itt: 5, ttt: 9, expStatSN: 1, dataSN: 0, bufferOffset: 0, data };
}

function chunks(wire: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let o = 0; o < wire.length; o += size) out.push(Buffer.from(wire.subarray(o, o + size)));
  return out;
}

for (const d of [{ header: false, data: false }, { header: true, data: true }] as DigestSettings[]) {
  test(`a spanning Data-Out is copied into the destination placeData gives (digests ${d.data})`, () => {
    const pdu = dataOut(10001, 3);
    const dst = Buffer.alloc(10001);
    const asked: number[] = [];
    const f = new Framer({ maxRecvDataSegmentLength: 1 << 20, digests: d, placeData: (bhs, n) => (asked.push(bhs.readUInt32BE(16), n), dst) });
    const events = chunks(encodePduToBuffer(pdu, d), 4000).flatMap((c) => f.push(c));
    assert.deepEqual(asked, [5, 10001]);
    assert.equal(events.length, 1);
    const e = events[0]!;
    if (e.type !== 'pdu') assert.fail(`got ${e.type}`);
    assert.equal(e.pdu.data.buffer, dst.buffer);
    assert.ok(dst.equals(pdu.data));
    const r = decodePdu(e.pdu);
    assert.ok(r.ok);
    if (r.ok) assert.deepEqual(r.pdu, pdu);
    assert.equal(f.pendingBytes, 0);
  });
}

test('a corrupt data digest is still reported when the data was placed', () => {
  const d = { header: false, data: true };
  const wire = encodePduToBuffer(dataOut(9000, 1), d);
  wire[48 + 100]! ^= 0xff;
  const f = new Framer({ maxRecvDataSegmentLength: 1 << 20, digests: d, placeData: (_b, n) => Buffer.alloc(n) });
  const events = chunks(wire, 3000).flatMap((c) => f.push(c));
  assert.deepEqual(events.map((e) => e.type), ['data-digest-error']);
});

test('placeData returning undefined, or a PDU inside one chunk, takes the ordinary path', () => {
  const pdu = dataOut(6000, 2);
  const wire = encodePduToBuffer(pdu, { header: false, data: false });
  let calls = 0;
  const f = new Framer({ maxRecvDataSegmentLength: 1 << 20, placeData: () => (calls++, undefined) });
  const ev = chunks(wire, 1000).flatMap((c) => f.push(c));
  assert.equal(calls, 1);
  assert.equal(ev.length, 1);
  const g = new Framer({ maxRecvDataSegmentLength: 1 << 20, placeData: () => (calls++, Buffer.alloc(6000)) });
  const ev2 = g.push(wire);
  assert.equal(calls, 1); // whole PDU in one chunk: a view, nothing asked
  assert.equal(ev2.length, 1);
  if (ev[0]!.type === 'pdu' && ev2[0]!.type === 'pdu') assert.ok(ev[0]!.pdu.data.equals(ev2[0]!.pdu.data));
});

test('random streams of Data-Outs split anywhere decode the same with and without placeData', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 3000 }), fc.boolean(), (lens, size, dig) => {
      const d = { header: dig, data: dig };
      const pdus = lens.map((n, i) => dataOut(n, i));
      const wire = Buffer.concat(pdus.map((p) => encodePduToBuffer(p, d)));
      const f = new Framer({ maxRecvDataSegmentLength: 1 << 20, digests: d, placeData: (_b, n) => Buffer.alloc(n) });
      const got = chunks(wire, size).flatMap((c) => f.push(c)).map((e) => {
        if (e.type !== 'pdu') assert.fail(`got ${e.type}`);
        const r = decodePdu(e.pdu);
        if (!r.ok) assert.fail(r.message);
        return r.pdu;
      });
      assert.deepEqual(got, pdus);
      assert.equal(f.pendingBytes, 0);
    }),
    { numRuns: 200 },
  );
});
