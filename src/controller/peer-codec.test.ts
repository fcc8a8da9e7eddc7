import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodePeerFrame, PeerFrameDecoder, validatePeerHeader, type PeerFrame, type PeerHeader } from './peer-codec.js';
import { newPeerNonce, peerAuthProof, verifyPeerAuthProof } from './peer-auth.js';

const samples: PeerFrame[] = [
  { header: { type: 'auth-challenge', controller: 'A', nonce: 'ab'.repeat(32), version: 1 } },
  { header: { type: 'auth-response', proof: 'cd'.repeat(32) } },
  { header: { type: 'hello', controller: 'B', incarnation: 'boot-1', startedAt: 1700000000000 } },
  { header: { type: 'heartbeat', seq: 42, ts: 1700000000123 } },
  { header: { type: 'request', id: 7, kind: 'forward-cmd', body: { volumeId: 'v1', cdb: '2a00', tag: 9 } }, payload: Buffer.alloc(4096, 0x5a) },
  { header: { type: 'response', id: 7, ok: true, body: { status: 0 } }, payload: Buffer.from([1, 2, 3]) },
  { header: { type: 'response', id: 8, ok: false, error: { code: 'not-owner', message: 'volume v1 is not owned here' } } },
  { header: { type: 'notify', kind: 'ua-broadcast', body: { volumeId: 'v1', reason: 'UaAsymmetricAccessStateChanged' } } },
  { header: { type: 'bye', reason: 'shutdown' } },
];

test('every message type round-trips; payload only when non-empty', () => {
  for (const f of samples) {
    const r = new PeerFrameDecoder().push(encodePeerFrame(f.header, f.payload));
    assert.equal(r.error, undefined);
    assert.deepEqual(r.frames, [f]);
  }
  const empty = new PeerFrameDecoder().push(encodePeerFrame({ type: 'bye', reason: 'x' }, Buffer.alloc(0)));
  assert.deepEqual(empty.frames, [{ header: { type: 'bye', reason: 'x' } }]);
});

test('wire layout: 4-byte big-endian header length, JSON header, payload', () => {
  const b = encodePeerFrame({ type: 'heartbeat', seq: 1, ts: 2 }, Buffer.from('xyz'));
  const hlen = b.readUInt32BE(0);
  assert.deepEqual(JSON.parse(b.subarray(4, 4 + hlen).toString()), { type: 'heartbeat', seq: 1, ts: 2, payloadLength: 3 });
  assert.equal(b.subarray(4 + hlen).toString(), 'xyz');
});

test('the whole sample stream split at every byte offset decodes identically', () => {
  const stream = Buffer.concat(samples.map((f) => encodePeerFrame(f.header, f.payload)));
  for (let i = 0; i <= stream.length; i += (i < 200 ? 1 : 97)) {
    const d = new PeerFrameDecoder();
    const a = d.push(stream.subarray(0, i));
    const b = d.push(stream.subarray(i));
    assert.deepEqual([...a.frames, ...b.frames], samples, `split at ${i}`);
    assert.equal(d.bufferedBytes, 0);
  }
});

test('property: random chunking of random frames', () => {
  const header = fc.oneof(
    fc.record({ type: fc.constant('heartbeat' as const), seq: fc.nat(), ts: fc.nat() }),
    fc.record({ type: fc.constant('request' as const), id: fc.nat(), kind: fc.constantFrom('forward-cmd' as const, 'pr-update' as const, 'tmf' as const),
      body: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean())) }),
    fc.record({ type: fc.constant('bye' as const), reason: fc.string() }),
  );
  const frame = fc.record({ header, payload: fc.option(fc.uint8Array({ minLength: 1, maxLength: 300 }).map((a) => Buffer.from(a)), { nil: undefined }) })
    // plain objects (fc.record builds null-prototype ones), as JSON.parse produces
    .map((f): PeerFrame => {
      const h = JSON.parse(JSON.stringify(f.header)) as PeerHeader;
      return f.payload ? { header: h, payload: f.payload } : { header: h };
    });
  fc.assert(fc.property(fc.array(frame, { maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1 }), (frames, cuts) => {
    const stream = Buffer.concat(frames.map((f) => encodePeerFrame(f.header, f.payload)));
    const d = new PeerFrameDecoder();
    const out: PeerFrame[] = [];
    let off = 0, k = 0;
    while (off < stream.length) {
      const n = cuts[k++ % cuts.length]!;
      const r = d.push(stream.subarray(off, off + n));
      assert.equal(r.error, undefined);
      out.push(...r.frames);
      off += n;
    }
    assert.deepEqual(out, frames);
  }));
});

test('malformed input is an error value and poisons the decoder', () => {
  const lenPrefixed = (s: string) => { const j = Buffer.from(s); const p = Buffer.alloc(4); p.writeUInt32BE(j.length); return Buffer.concat([p, j]); };
  const cases: Array<[Buffer, string]> = [
    [lenPrefixed('{nope'), 'bad-json'],
    [lenPrefixed('{"type":"launch-missiles"}'), 'bad-header'],
    [lenPrefixed('{"type":"heartbeat","seq":-1,"ts":0}'), 'bad-header'],
    [lenPrefixed('{"type":"request","id":1,"kind":"format-disk","body":null}'), 'bad-header'],
    [lenPrefixed('{"type":"bye","reason":"x","payloadLength":1.5}'), 'bad-header'],
    [lenPrefixed('[]'), 'bad-header'],
    [lenPrefixed('{"type":"bye","reason":"x","payloadLength":99999999999}'), 'payload-too-large'],
    [Buffer.from([0x7f, 0xff, 0xff, 0xff]), 'header-too-large'],
  ];
  for (const [bytes, code] of cases) {
    const d = new PeerFrameDecoder();
    const good = encodePeerFrame({ type: 'heartbeat', seq: 1, ts: 1 });
    const r = d.push(Buffer.concat([good, bytes]));
    assert.equal(r.error?.code, code, bytes.toString());
    assert.equal(r.frames.length, 1, 'frames before the error are delivered');
    assert.equal(d.push(good).error?.code, code, 'stays failed');
  }
  assert.equal(typeof validatePeerHeader({ type: 'response', id: 1, ok: false, error: { code: 1 } }), 'string');
});

test('limits are configurable', () => {
  const d = new PeerFrameDecoder({ maxPayloadBytes: 10 });
  assert.equal(d.push(encodePeerFrame({ type: 'bye', reason: '' }, Buffer.alloc(11))).error?.code, 'payload-too-large');
  const e = new PeerFrameDecoder({ maxHeaderBytes: 10 });
  assert.equal(e.push(encodePeerFrame({ type: 'bye', reason: 'long enough' })).error?.code, 'header-too-large');
});

test('auth proofs: verify with the right secret only, bound to direction and nonces', () => {
  const na = newPeerNonce(), nb = newPeerNonce();
  assert.match(na, /^[0-9a-f]{64}$/);
  assert.notEqual(na, nb);
  const proofB = peerAuthProof('s3cret', 'B', 'A', na, nb);
  assert.ok(verifyPeerAuthProof('s3cret', proofB, 'B', 'A', na, nb));
  assert.ok(!verifyPeerAuthProof('other', proofB, 'B', 'A', na, nb));
  assert.ok(!verifyPeerAuthProof('s3cret', proofB, 'A', 'B', na, nb), 'a reflected proof is refused');
  assert.ok(!verifyPeerAuthProof('s3cret', proofB, 'B', 'A', nb, na));
  assert.ok(!verifyPeerAuthProof('s3cret', 'zz', 'B', 'A', na, nb));
  assert.ok(!verifyPeerAuthProof('s3cret', proofB.slice(0, 62), 'B', 'A', na, nb));
});
