// Every Data-In parser and the sense decoder take any bytes without throwing: arbitrary
// buffers, buffers whose length fields claim more than is there, and real data cut at
// every offset (a target may truncate to the ALLOCATION LENGTH, or be broken).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as wire from './index.js';

const PARSERS: ReadonlyArray<readonly [string, (d: Buffer) => unknown]> = [
  ['standard INQUIRY', wire.parseStandardInquiry],
  ['VPD 80h', wire.parseUnitSerial],
  ['VPD 83h', wire.parseDeviceIdentification],
  ['READ CAPACITY (16)', wire.parseReadCapacity16],
  ['GET LBA STATUS', wire.parseGetLbaStatus],
  ['REPORT LUNS', wire.parseReportLuns],
  ['REPORT TARGET PORT GROUPS', wire.parseReportTargetPortGroups],
  ['sense', wire.decodeSense],
  ...[0, 1, 2, 3, 4, 0x1f].map((sa) => [`PR IN ${sa}`, (d: Buffer) => wire.parsePersistentReserveIn(sa, d)] as const),
];

/** Data shaped like each format, with its length field set to `claim`. */
const shaped = (bytes: Uint8Array, claim: number, first: number): Buffer[] => {
  const b = Buffer.from(bytes);
  const out: Buffer[] = [];
  if (b.length >= 4) {
    const v = Buffer.from(b);
    v[1] = first; // VPD page code
    v.writeUInt16BE(claim & 0xffff, 2);
    out.push(v);
    const l = Buffer.from(b);
    l.writeUInt32BE(claim >>> 0, 0); // RTPG, REPORT LUNS, GET LBA STATUS length
    out.push(l);
  }
  if (b.length >= 8) {
    const p = Buffer.from(b);
    p[0] = first; // sense response code
    p.writeUInt32BE(claim >>> 0, 4); // PR IN ADDITIONAL LENGTH
    p[4] = first & 0x70; // RTPG FORMAT TYPE
    out.push(p);
    const s = Buffer.from(b);
    s[0] = 0x72;
    s[7] = claim & 0xff; // ADDITIONAL SENSE LENGTH
    out.push(s);
  }
  return out;
};

test('parsers never throw on arbitrary or lying buffers', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.constantFrom(0x80, 0x83, 0x10, 0x70, 0x72, 0x73, 0x7f, 0), (bytes, claim, first) => {
      for (const d of [Buffer.from(bytes), ...shaped(bytes, claim, first)]) {
        for (const [name, parse] of PARSERS) assert.doesNotThrow(() => parse(d), name);
      }
    }),
    { numRuns: 500 },
  );
});

test('parsers never throw on real data cut at every offset', () => {
  const desc = (codeSet: number, assoc: number, type: number, v: Buffer): Buffer => Buffer.concat([Buffer.from([codeSet, (assoc << 4) | type, 0, v.length]), v]);
  const vpd83Body = Buffer.concat([desc(1, 0, 3, Buffer.alloc(16, 0x60)), desc(3, 1, 8, Buffer.from('iqn.x,t,0x1\0')), desc(1, 1, 4, Buffer.from([0, 0, 0, 1])), desc(1, 1, 5, Buffer.from([0, 0, 0, 2]))]);
  const samples = [
    Buffer.concat([Buffer.from([0, 0x83, 0, vpd83Body.length]), vpd83Body]),
    Buffer.from('0000001c' + '10050000' + '80870001' + '00000002' + '00000001' + '00000002' + '02070002' + '00000001' + '00000003', 'hex'),
    Buffer.from('00000018' + '80870001' + '00000002' + '00000001' + '00000002' + '02070002' + '00000001' + '00000003', 'hex'),
    Buffer.from('0000000500000020' + '000000000000000a' + '000000000000000b' + '000000000000000c' + '000000000000000d', 'hex'),
    Buffer.from('720305000000000c' + '000a8000000000000000002a', 'hex'),
    Buffer.from('f0000300001234' + '0a00000000' + '1100000000', 'hex'),
  ];
  for (const s of samples) {
    for (let n = 0; n <= s.length; n++) for (const [name, parse] of PARSERS) assert.doesNotThrow(() => parse(s.subarray(0, n)), `${name} at ${n}`);
  }
});
