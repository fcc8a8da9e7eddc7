import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Cmd, IHAVEOPT, Info, OPTION_REPLY_MAGIC, Opt, REQUEST_MAGIC, Rep, SIMPLE_REPLY_MAGIC } from './constants.js';
import { NbdServerDecoder, type ClientMessage } from './decoder.js';
import { goData } from './test-support/raw-nbd-client.js';
import { encodeExportNameReply, encodeGreeting, encodeInfoBlockSize, encodeInfoExport, encodeOptionReply, encodeRepServer, encodeSimpleReply, parseInfoRequest } from './encoder.js';

function option(opt: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(16);
  h.writeBigUInt64BE(IHAVEOPT, 0);
  h.writeUInt32BE(opt, 8);
  h.writeUInt32BE(data.length, 12);
  return Buffer.concat([h, data]);
}

function request(command: number, handle: bigint, offset: bigint, length: number, flags = 0, data?: Buffer): Buffer {
  const h = Buffer.alloc(28);
  h.writeUInt32BE(REQUEST_MAGIC, 0);
  h.writeUInt16BE(flags, 4);
  h.writeUInt16BE(command, 6);
  h.writeBigUInt64BE(handle, 8);
  h.writeBigUInt64BE(offset, 16);
  h.writeUInt32BE(length, 24);
  return data ? Buffer.concat([h, data]) : h;
}

/** Feeds `parts` one after another, draining; enters transmission after the first GO/EXPORT_NAME. */
function decodeAll(parts: Buffer[], opts?: ConstructorParameters<typeof NbdServerDecoder>[0]): ClientMessage[] {
  const d = new NbdServerDecoder(opts);
  const out: ClientMessage[] = [];
  for (const p of parts) {
    d.push(p);
    for (let m = d.next(); m; m = d.next()) {
      out.push(m);
      if (m.type === 'option' && (m.option === Opt.GO || m.option === Opt.EXPORT_NAME)) d.enterTransmission();
    }
  }
  return out;
}

const flags = Buffer.from([0, 0, 0, 3]);
const stream = Buffer.concat([
  flags,
  option(Opt.LIST),
  option(Opt.GO, goData('tandem0', [Info.BLOCK_SIZE, Info.NAME])),
  request(Cmd.WRITE, 7n, 4096n, 10, 1, Buffer.from('0123456789')),
  request(Cmd.READ, 8n, 0n, 512),
  request(Cmd.FLUSH, 9n, 0n, 0),
  request(Cmd.DISC, 10n, 0n, 0),
]);

test('decoder: a whole handshake and requests split at every byte offset decode identically', () => {
  const whole = decodeAll([stream]);
  assert.equal(whole.length, 7);
  assert.deepEqual(whole[0], { type: 'client-flags', flags: 3 });
  assert.equal(whole[2]!.type, 'option');
  const w = whole[3]!;
  assert.ok(w.type === 'request' && w.command === Cmd.WRITE && w.handle === 7n && w.offset === 4096n && w.flags === 1);
  assert.equal(w.data!.toString(), '0123456789');
  for (let i = 0; i <= stream.length; i++) {
    assert.deepEqual(decodeAll([stream.subarray(0, i), stream.subarray(i)]), whole, `split at ${i}`);
  }
  // and byte by byte
  assert.deepEqual(decodeAll([...stream].map((b) => Buffer.from([b]))), whole);
});

test('decoder: property — any chunking gives the same messages', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: stream.length }), { maxLength: 12 }), (cuts) => {
      const points = [...new Set(cuts)].sort((a, b) => a - b);
      const parts: Buffer[] = [];
      let prev = 0;
      for (const p of points) {
        parts.push(stream.subarray(prev, p));
        prev = p;
      }
      parts.push(stream.subarray(prev));
      assert.deepEqual(decodeAll(parts), decodeAll([stream]));
    }),
  );
});

test('decoder: bad option magic is a violation and the decoder stops', () => {
  const bad = option(Opt.LIST);
  bad[0] = 0;
  const out = decodeAll([flags, bad, option(Opt.LIST)]);
  assert.deepEqual(out.map((m) => m.type), ['client-flags', 'violation']);
});

test('decoder: bad request magic is a violation', () => {
  const bad = request(Cmd.READ, 1n, 0n, 512);
  bad[3]! ^= 1;
  const out = decodeAll([flags, option(Opt.EXPORT_NAME, Buffer.from('x')), bad]);
  assert.equal(out.at(-1)!.type, 'violation');
});

test('decoder: oversized option data and oversized write payloads are skipped, not buffered', () => {
  const big = option(Opt.INFO, Buffer.alloc(300));
  const wr = request(Cmd.WRITE, 5n, 0n, 1000, 0, Buffer.alloc(1000, 1));
  const s = Buffer.concat([flags, big, option(Opt.GO, goData('', [])), wr, request(Cmd.READ, 6n, 0n, 512)]);
  for (let i = 0; i <= s.length; i += 7) {
    const out = decodeAll([s.subarray(0, i), s.subarray(i)], { maxOptionLength: 100, maxPayload: 512 });
    assert.deepEqual(out[1], { type: 'option-too-big', option: Opt.INFO, length: 300 });
    const w = out[3]!;
    assert.ok(w.type === 'request' && w.payloadSkipped === true && w.data === undefined && w.handle === 5n);
    const r = out[4]!;
    assert.ok(r.type === 'request' && r.command === Cmd.READ && r.handle === 6n);
  }
});

test('decoder: random garbage never throws', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, trans) => {
      const d = new NbdServerDecoder({ maxOptionLength: 64, maxPayload: 64 });
      d.push(Buffer.from(bytes));
      for (let m = d.next(), n = 0; m && n < 1000; m = d.next(), n++) if (trans && m.type === 'option') d.enterTransmission();
    }),
  );
});

test('encoder: greeting, option replies, export-name reply and simple reply layouts', () => {
  const g = encodeGreeting(3);
  assert.equal(g.toString('latin1', 0, 16), 'NBDMAGICIHAVEOPT');
  assert.equal(g.readUInt16BE(16), 3);
  const ack = encodeOptionReply(Opt.GO, Rep.ACK);
  assert.equal(ack.readBigUInt64BE(0), OPTION_REPLY_MAGIC);
  assert.deepEqual([ack.readUInt32BE(8), ack.readUInt32BE(12), ack.readUInt32BE(16), ack.length], [Opt.GO, Rep.ACK, 0, 20]);
  const err = encodeOptionReply(Opt.GO, Rep.ERR_UNKNOWN, Buffer.from('x'));
  assert.equal(err.readUInt32BE(12), 0x80000006);
  const srv = encodeRepServer(Opt.LIST, 'tandem0');
  assert.deepEqual([srv.readUInt32BE(16), srv.readUInt32BE(20), srv.toString('utf8', 24)], [11, 7, 'tandem0']);
  const ie = encodeInfoExport(Opt.GO, 2 ** 40, 0x15d);
  assert.deepEqual([ie.readUInt16BE(20), ie.readBigUInt64BE(22), ie.readUInt16BE(30)], [Info.EXPORT, 2n ** 40n, 0x15d]);
  const bsz = encodeInfoBlockSize(Opt.GO, 512, 4096, 1 << 25);
  assert.deepEqual([bsz.readUInt16BE(20), bsz.readUInt32BE(22), bsz.readUInt32BE(26), bsz.readUInt32BE(30)], [3, 512, 4096, 1 << 25]);
  assert.equal(encodeExportNameReply(1024, 1, false).length, 134);
  assert.equal(encodeExportNameReply(1024, 1, true).length, 10);
  const r = encodeSimpleReply(0xdeadbeefcafen, 22);
  assert.deepEqual([r.readUInt32BE(0), r.readUInt32BE(4), r.readBigUInt64BE(8)], [SIMPLE_REPLY_MAGIC, 22, 0xdeadbeefcafen]);
});

test('parseInfoRequest: good, short and inconsistent data', () => {
  assert.deepEqual(parseInfoRequest(goData('vol', [1, 3])), { name: 'vol', infos: [1, 3] });
  assert.ok('invalid' in parseInfoRequest(Buffer.alloc(3)));
  const bad = goData('vol', [1]);
  bad.writeUInt16BE(2, 7); // claims two info requests but carries one
  assert.ok('invalid' in parseInfoRequest(bad));
  const long = Buffer.alloc(10);
  long.writeUInt32BE(100, 0);
  assert.ok('invalid' in parseInfoRequest(long));
});
