// Sense decoding: fixed and descriptor formats, INFORMATION, names incl. ALUA codes; the
// target's sense table decodes to what it encodes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSense, SENSE_TABLE, type SenseReason } from '../sense.js';
import { ASC_NAMES } from './asc-names.js';
import { decodeSense } from './sense.js';

const fixedSense = (key: number, asc: number, ascq: number): Buffer => Buffer.from([0x70, 0, key, 0, 0, 0, 0, 10, 0, 0, 0, 0, asc, ascq, 0, 0, 0, 0]);

test('fixed format with VALID and INFORMATION', () => {
  const s = Buffer.from([0xf0, 0, 0x03, 0, 0, 0x12, 0x34, 10, 0, 0, 0, 0, 0x11, 0x00, 0, 0, 0, 0]);
  assert.deepEqual(decodeSense(s), { key: 3, asc: 0x11, ascq: 0, information: 0x1234, description: 'MEDIUM ERROR: UNRECOVERED READ ERROR' });
});

test('ALUA and unit attention names', () => {
  assert.equal(decodeSense(fixedSense(2, 4, 0x0a)).description, 'NOT READY: LOGICAL UNIT NOT ACCESSIBLE, ASYMMETRIC ACCESS STATE TRANSITION');
  assert.equal(decodeSense(fixedSense(2, 4, 0x0b)).description, 'NOT READY: LOGICAL UNIT NOT ACCESSIBLE, TARGET PORT IN STANDBY STATE');
  assert.equal(decodeSense(fixedSense(2, 4, 0x0c)).description, 'NOT READY: LOGICAL UNIT NOT ACCESSIBLE, TARGET PORT IN UNAVAILABLE STATE');
  assert.equal(decodeSense(fixedSense(6, 0x2a, 6)).description, 'UNIT ATTENTION: ASYMMETRIC ACCESS STATE CHANGED');
  assert.equal(decodeSense(fixedSense(6, 0x29, 7)).description, 'UNIT ATTENTION: I_T NEXUS LOSS OCCURRED');
  assert.equal(decodeSense(fixedSense(6, 0x3f, 0x0e)).description, 'UNIT ATTENTION: REPORTED LUNS DATA HAS CHANGED');
  assert.equal(decodeSense(fixedSense(5, 0x99, 0x01)).description, 'ILLEGAL REQUEST: ASC 99h ASCQ 01h');
  assert.equal(decodeSense(fixedSense(5, 0x24, 0)).information, undefined);
});

test('descriptor format with an Information descriptor', () => {
  const s = Buffer.from([0x72, 0x0e, 0x1d, 0x00, 0, 0, 0, 12, 0x00, 0x0a, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00]);
  assert.deepEqual(decodeSense(s), { key: 0x0e, asc: 0x1d, ascq: 0, information: 256, description: 'MISCOMPARE: MISCOMPARE DURING VERIFY OPERATION' });
});

test('garbage and short buffers do not throw', () => {
  assert.equal(decodeSense(Buffer.alloc(0)).key, 0);
  assert.match(decodeSense(Buffer.from([0x12, 1])).description, /unknown sense/);
  assert.equal(decodeSense(Buffer.from([0x70, 0, 6])).key, 6);
});

test('fixed and descriptor formats decode alike; INFORMATION from the Information descriptor', () => {
  const f = fixedSense(0x6, 0x2a, 0x06);
  assert.deepEqual(decodeSense(f), { key: 6, asc: 0x2a, ascq: 0x06, description: 'UNIT ATTENTION: ASYMMETRIC ACCESS STATE CHANGED' });
  const d = Buffer.from('7203110000000000', 'hex');
  assert.equal(decodeSense(d).description, 'MEDIUM ERROR: UNRECOVERED READ ERROR');
  const withInfo = Buffer.concat([Buffer.from('720305000000000c', 'hex'), Buffer.from('000a8000000000000000002a', 'hex')]);
  assert.equal(decodeSense(withInfo).information, 42);
});

test('an Information descriptor beyond ADDITIONAL SENSE LENGTH or without VALID is not read', () => {
  const info = Buffer.from('000a8000000000000000002a', 'hex');
  assert.equal(decodeSense(Buffer.concat([Buffer.from('7203050000000000', 'hex'), info])).information, undefined);
  const invalid = Buffer.from(info);
  invalid[2] = 0;
  assert.equal(decodeSense(Buffer.concat([Buffer.from('720305000000000c', 'hex'), invalid])).information, undefined);
});

test('an unknown response code is read at the fixed-format offsets and says so', () => {
  const s = fixedSense(0x3, 0x11, 0);
  s[0] = 0x7f;
  const d = decodeSense(s);
  assert.deepEqual([d.key, d.asc, d.ascq], [3, 0x11, 0]);
  assert.match(d.description, /^MEDIUM ERROR: UNRECOVERED READ ERROR \(unknown sense response code 0x7f/);
});

test('every row of the target sense table round-trips and has a name', () => {
  for (const [reason, [key, asc, ascq]] of Object.entries(SENSE_TABLE)) {
    const d = decodeSense(buildSense(reason as SenseReason, { information: 7 }));
    assert.deepEqual([d.key, d.asc, d.ascq, d.information], [key, asc, ascq, 7], reason);
    assert.ok(ASC_NAMES.has((asc << 8) | ascq), `${reason}: no name for ${asc.toString(16)}/${ascq.toString(16)}`);
  }
  assert.equal(decodeSense(buildSense('LbaOutOfRange', { deferred: true })).description, 'ILLEGAL REQUEST: LOGICAL BLOCK ADDRESS OUT OF RANGE');
});
