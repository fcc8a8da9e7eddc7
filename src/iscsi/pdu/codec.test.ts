/** Round trips of every PDU kind through encode → framer → decode (RFC 7143 §11). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePdu } from './decode.js';
import { encodePdu, encodePduToBuffer } from './encode.js';
import { Framer } from './framer.js';
import { samplePdus } from './test-support/samples.js';
import { Opcode, RejectReason, type DigestSettings, type FramerEvent, type Pdu, type RawPdu } from './types.js';

const DIGESTS: DigestSettings[] = [
  { header: false, data: false },
  { header: true, data: false },
  { header: false, data: true },
  { header: true, data: true },
];
const BIG = 1 << 20;

function decodeAll(events: FramerEvent[]): Pdu[] {
  return events.map((e) => {
    assert.equal(e.type, 'pdu', JSON.stringify(e.type === 'fatal' ? e : e.type));
    const r = decodePdu((e as { pdu: RawPdu }).pdu);
    assert.ok(r.ok, r.ok ? '' : r.message);
    return r.pdu;
  });
}

test('every PDU kind has a sample', () => {
  const kinds = new Set(samplePdus().map((p) => p.kind));
  assert.equal(kinds.size, Object.keys(Opcode).length);
});

for (const d of DIGESTS) {
  test(`every sample round-trips in one chunk (digests h=${d.header} d=${d.data})`, () => {
    for (const pdu of samplePdus()) {
      const f = new Framer({ maxRecvDataSegmentLength: BIG, digests: d });
      const wire = encodePduToBuffer(pdu, d);
      assert.equal(wire.length % 4, 0, 'PDUs are 4-byte aligned');
      assert.deepEqual(decodeAll(f.push(wire)), [pdu], pdu.kind);
      assert.equal(f.pendingBytes, 0);
    }
  });

  test(`every sample split at every byte offset (digests h=${d.header} d=${d.data})`, () => {
    for (const pdu of samplePdus()) {
      const wire = encodePduToBuffer(pdu, d);
      // every offset of PDUs up to 600 bytes; for bigger ones every offset in the first 120
      // and last 60 bytes (header, AHS, digests, padding) and every 61st in the data middle
      const step = wire.length > 600 ? 61 : 1;
      const cuts = new Set<number>();
      for (let i = 0; i <= wire.length; i += step) cuts.add(i);
      for (let i = 0; i < 120; i++) cuts.add(i);
      for (let i = 0; i < 60; i++) cuts.add(wire.length - i);
      for (const cut of cuts) {
        if (cut < 0 || cut > wire.length) continue;
        const f = new Framer({ maxRecvDataSegmentLength: BIG, digests: d });
        const ev = [...f.push(wire.subarray(0, cut)), ...f.push(wire.subarray(cut))];
        assert.deepEqual(decodeAll(ev), [pdu], `${pdu.kind} cut at ${cut}`);
      }
    }
  });
}

test('the whole sample stream fed one byte at a time yields every PDU in order', () => {
  const d = { header: true, data: true };
  const pdus = samplePdus();
  const wire = Buffer.concat(pdus.map((p) => encodePduToBuffer(p, d)));
  const f = new Framer({ maxRecvDataSegmentLength: BIG, digests: d });
  const ev: FramerEvent[] = [];
  for (let i = 0; i < wire.length; i++) ev.push(...f.push(wire.subarray(i, i + 1)));
  assert.deepEqual(decodeAll(ev), pdus);
});

test('encodePdu passes big data segments through without copying', () => {
  const data = Buffer.alloc(65536, 1);
  const pdu: Pdu = {
    kind: 'ScsiDataIn', immediate: false, final: true, acknowledge: false, overflow: false, underflow: false,
    statusPresent: false, status: 0, lun: Buffer.alloc(8), itt: 1, ttt: 0xffffffff, statSN: 0, expCmdSN: 1,
    maxCmdSN: 2, dataSN: 0, bufferOffset: 0, residualCount: 0, data,
  };
  const parts = encodePdu(pdu, { header: false, data: false });
  assert.equal(parts.length, 2);
  assert.equal(parts[1], data);
  const withDigest = encodePdu({ ...pdu, data: data.subarray(0, 65535) }, { header: true, data: true });
  assert.equal(withDigest.length, 3);
  assert.equal(withDigest[2]!.length, 1 + 4, 'one pad byte + data digest');
});

test('padding bytes are zero and DataSegmentLength excludes them', () => {
  const pdu = samplePdus().find((p) => p.kind === 'ScsiCommand' && p.data.length === 3)!;
  const wire = encodePduToBuffer(pdu, { header: false, data: false });
  assert.equal(wire.readUIntBE(5, 3), 3);
  assert.equal(wire.length, 48 + 8 + 8 + 4); // BHS + ext CDB AHS (3+2 → 8) + bidi AHS (8) + data+pad
  assert.equal(wire[wire.length - 1], 0);
});

test('header digest is CRC32C over BHS+AHS, little-endian (RFC 3720 B.4 Read(10) PDU)', () => {
  const pdu: Pdu = {
    kind: 'ScsiCommand', immediate: false, final: true, read: true, write: false, attr: 0,
    lun: Buffer.alloc(8), itt: 0x14000000, expectedDataTransferLength: 0x400, cmdSN: 0x14, expStatSN: 0x18,
    cdb: Buffer.from('28000000000000000200000000000000', 'hex'), data: Buffer.alloc(0),
  };
  const wire = encodePduToBuffer(pdu, { header: true, data: false });
  assert.equal(wire.subarray(48).toString('hex'), '563a96d9');
});

test('corrupted header digest is fatal, and the framer yields nothing afterwards', () => {
  const d = { header: true, data: false };
  const [a, b] = samplePdus();
  const wire = Buffer.concat([encodePduToBuffer(a!, d), encodePduToBuffer(b!, d)]);
  wire[20]! ^= 1;
  const f = new Framer({ maxRecvDataSegmentLength: BIG, digests: d });
  const ev = f.push(wire);
  assert.equal(ev.length, 1);
  assert.equal(ev[0]!.type, 'fatal');
  assert.deepEqual(f.push(encodePduToBuffer(b!, d)), []);
});

test('with header digests, a corrupt DataSegmentLength is fatal at once (no waiting for phantom data)', () => {
  const d = { header: true, data: false };
  const wire = encodePduToBuffer(samplePdus()[0]!, d);
  wire[6] = 0x10; // DataSegmentLength 4096, within MaxRecvDataSegmentLength
  const ev = new Framer({ maxRecvDataSegmentLength: BIG, digests: d }).push(wire);
  assert.equal(ev.length, 1);
  assert.equal(ev[0]!.type, 'fatal');
  assert.match((ev[0] as { message: string }).message, /header digest/);
});

test('corrupted data digest yields data-digest-error and the stream stays in sync', () => {
  const d = { header: true, data: true };
  const pdus = samplePdus().filter((p) => 'data' in p && p.data.length > 0);
  for (const victim of pdus) {
    const bad = encodePduToBuffer(victim, d);
    bad[bad.length - 1]! ^= 0x80; // last byte of the data digest
    const next = samplePdus()[0]!;
    const f = new Framer({ maxRecvDataSegmentLength: BIG, digests: d });
    const ev = f.push(Buffer.concat([bad, encodePduToBuffer(next, d)]));
    assert.equal(ev.length, 2, victim.kind);
    assert.equal(ev[0]!.type, 'data-digest-error');
    assert.deepEqual(decodeAll([ev[1]!]), [next]);
  }
});

test('corrupted data byte (not the digest) is also caught', () => {
  const d = { header: false, data: true };
  const pdu = samplePdus().find((p) => p.kind === 'ScsiDataOut')!;
  const wire = encodePduToBuffer(pdu, d);
  wire[48 + 100]! ^= 4;
  const ev = new Framer({ maxRecvDataSegmentLength: BIG, digests: d }).push(wire);
  assert.equal(ev[0]!.type, 'data-digest-error');
});

test('a PDU without data carries no data digest', () => {
  const pdu = samplePdus().find((p) => p.kind === 'R2T')!;
  assert.equal(encodePduToBuffer(pdu, { header: false, data: true }).length, 48);
  assert.equal(encodePduToBuffer(pdu, { header: true, data: true }).length, 52);
});

test('DataSegmentLength above MaxRecvDataSegmentLength is fatal before the data arrives', () => {
  const pdu = samplePdus().find((p) => p.kind === 'ScsiDataOut')!; // 8192 bytes
  const wire = encodePduToBuffer(pdu, { header: false, data: false });
  const f = new Framer({ maxRecvDataSegmentLength: 8191 });
  const ev = f.push(wire.subarray(0, 48));
  assert.equal(ev.length, 1);
  assert.equal(ev[0]!.type, 'fatal');
  const ok = new Framer({ maxRecvDataSegmentLength: 8191 });
  ok.setMaxRecvDataSegmentLength(8192);
  assert.equal(ok.push(wire)[0]!.type, 'pdu');
});

test('setDigests switches from the next PDU on', () => {
  const [a, b] = samplePdus();
  const f = new Framer({ maxRecvDataSegmentLength: BIG });
  const ev1 = f.push(encodePduToBuffer(a!, { header: false, data: false }));
  f.setDigests({ header: true, data: true });
  const ev2 = f.push(encodePduToBuffer(b!, { header: true, data: true }));
  assert.deepEqual(decodeAll([...ev1, ...ev2]), [a, b]);
});

test('a PDU inside one chunk is returned as a view (no copy)', () => {
  const pdu = samplePdus().find((p) => p.kind === 'ScsiDataOut')!;
  const wire = encodePduToBuffer(pdu, { header: false, data: false });
  const ev = new Framer({ maxRecvDataSegmentLength: BIG }).push(wire);
  const raw = (ev[0] as { pdu: RawPdu }).pdu;
  assert.equal(raw.data.buffer, wire.buffer);
  assert.equal(raw.data.byteOffset, wire.byteOffset + 48);
});

test('unknown opcode → CommandNotSupported', () => {
  const bhs = Buffer.alloc(48);
  bhs[0] = 0x1c;
  const r = decodePdu({ bhs, ahs: Buffer.alloc(0), data: Buffer.alloc(0) });
  assert.deepEqual(r.ok ? 'ok' : r.reason, RejectReason.CommandNotSupported);
});

test('malformed AHS and inconsistent lengths are error values, not exceptions', () => {
  const cmd = samplePdus().find((p) => p.kind === 'ScsiCommand')!;
  const wire = encodePduToBuffer(cmd, { header: false, data: false });
  const bhs = Buffer.from(wire.subarray(0, 48));
  bhs[4] = 1;
  const cases: Array<[Buffer, number]> = [
    [Buffer.from('00050100', 'hex'), RejectReason.InvalidPduField], // ext CDB AHS longer than TotalAHSLength
    [Buffer.from('00000100', 'hex'), RejectReason.InvalidPduField], // zero AHSLength
    [Buffer.from('00010700', 'hex'), RejectReason.InvalidPduField], // unknown AHS type
    [Buffer.from('00010200', 'hex'), RejectReason.InvalidPduField], // bidi AHS with length 1
  ];
  for (const [ahs, reason] of cases) {
    const r = decodePdu({ bhs, ahs, data: Buffer.alloc(0) });
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.reason, reason);
  }
  const short = decodePdu({ bhs: Buffer.alloc(47), ahs: Buffer.alloc(0), data: Buffer.alloc(0) });
  assert.equal(short.ok, false);
  const mism = decodePdu({ bhs: wire.subarray(0, 48), ahs: Buffer.alloc(4), data: Buffer.alloc(0) });
  assert.equal(mism.ok, false);
});

test('Logout/TMF/SNACK requests carrying data are protocol errors', () => {
  for (const kind of ['LogoutRequest', 'TaskMgmtRequest', 'SnackRequest']) {
    const pdu = samplePdus().find((p) => p.kind === kind)!;
    const bhs = Buffer.from(encodePduToBuffer(pdu, { header: false, data: false }));
    bhs[7] = 4;
    const r = decodePdu({ bhs, ahs: Buffer.alloc(0), data: Buffer.alloc(4) });
    assert.equal(r.ok ? -1 : r.reason, RejectReason.ProtocolError, kind);
  }
});

test('byte-level layout of a Login Request (RFC 7143 §11.12)', () => {
  const pdu = samplePdus().find((p) => p.kind === 'LoginRequest')!;
  const w = encodePduToBuffer({ ...pdu, immediate: false }, { header: false, data: false });
  assert.equal(w[0], 0x43, 'I bit is always 1');
  assert.equal(w[1], 0x87, 'T=1 C=0 CSG=1 NSG=3');
  assert.equal(w.subarray(8, 14).toString('hex'), '80123456789a');
  assert.equal(w.readUInt16BE(20), 1, 'CID');
});
