/** Property tests (fast-check): the framer and decoder over random splits and garbage. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodePdu } from './decode.js';
import { encodePduToBuffer } from './encode.js';
import { Framer } from './framer.js';
import { arbPdu } from './test-support/arbitraries.js';
import type { FramerEvent, Pdu } from './types.js';

const arbDigests = fc.record({ header: fc.boolean(), data: fc.boolean() });

/** Cut `wire` at the given fractions (0..1) into chunks. */
function split(wire: Buffer, cuts: number[]): Buffer[] {
  const pos = [...new Set(cuts.map((c) => Math.floor(c * wire.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of pos) { out.push(wire.subarray(prev, p)); prev = p; }
  out.push(wire.subarray(prev));
  return out;
}
const arbCuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 30 });

test('random PDU streams split at random offsets come back exactly', () => {
  fc.assert(
    fc.property(fc.array(arbPdu(), { minLength: 1, maxLength: 8 }), arbDigests, arbCuts, (pdus, d, cuts) => {
      const wire = Buffer.concat(pdus.map((p) => encodePduToBuffer(p, d)));
      const f = new Framer({ maxRecvDataSegmentLength: 1 << 24, digests: d });
      const got: Pdu[] = [];
      for (const chunk of split(wire, cuts)) {
        for (const e of f.push(chunk)) {
          assert.equal(e.type, 'pdu');
          if (e.type !== 'pdu') return;
          const r = decodePdu(e.pdu);
          assert.ok(r.ok);
          if (r.ok) got.push(r.pdu);
        }
      }
      assert.deepEqual(got, pdus.map((p) => ({ ...p }))); // fc.record objects have a null prototype
      assert.equal(f.pendingBytes, 0);
    }),
    { numRuns: 300 },
  );
});

function checkEvents(events: FramerEvent[], state: { dead: boolean }): void {
  for (const e of events) {
    assert.ok(!state.dead, 'no events after fatal');
    if (e.type === 'fatal') { state.dead = true; continue; }
    assert.ok(e.type === 'pdu' || e.type === 'data-digest-error');
    assert.equal(e.pdu.bhs.length, 48);
    const r = decodePdu(e.pdu); // must not throw
    assert.equal(typeof r.ok, 'boolean');
  }
}

test('garbage bytes never make the framer or decoder throw', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 4000 }), arbDigests, arbCuts, fc.integer({ min: 0, max: 1 << 16 }),
      (bytes, d, cuts, maxRecv) => {
        const f = new Framer({ maxRecvDataSegmentLength: maxRecv, digests: d });
        const state = { dead: false };
        for (const chunk of split(Buffer.from(bytes), cuts)) checkEvents(f.push(chunk), state);
      },
    ),
    { numRuns: 500 },
  );
});

test('valid PDUs mixed with garbage and bit flips never throw', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(arbPdu().map((p) => ({ p })), fc.uint8Array({ maxLength: 100 }).map((g) => ({ g }))), { maxLength: 6 }),
      fc.array(fc.nat(), { maxLength: 5 }),
      arbDigests, arbCuts,
      (items, flips, d, cuts) => {
        const wire = Buffer.concat(items.map((it) => ('p' in it ? encodePduToBuffer(it.p, d) : Buffer.from(it.g))));
        for (const fl of flips) if (wire.length) wire[fl % wire.length]! ^= 1 << (fl % 8);
        const f = new Framer({ maxRecvDataSegmentLength: 1 << 24, digests: d });
        const state = { dead: false };
        for (const chunk of split(wire, cuts)) checkEvents(f.push(chunk), state);
      },
    ),
    { numRuns: 300 },
  );
});

test('decodePdu never throws on any consistent RawPdu', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 48, maxLength: 48 }), fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), (h, ahs0, data) => {
      const bhs = Buffer.from(h);
      const ahs = Buffer.from(ahs0.subarray(0, ahs0.length & ~3));
      bhs[4] = ahs.length / 4;
      bhs.writeUIntBE(data.length, 5, 3);
      const r = decodePdu({ bhs, ahs, data: Buffer.from(data) });
      if (!r.ok) assert.ok(r.reason > 0 && r.message.length > 0);
    }),
    { numRuns: 2000 },
  );
});
