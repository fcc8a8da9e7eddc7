// Sense decoding: fixed and descriptor formats, INFORMATION, names incl. ALUA codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSense } from './sense-decode.js';

test('fixed format with VALID and INFORMATION', () => {
  const s = Buffer.from([0xf0, 0, 0x03, 0, 0, 0x12, 0x34, 10, 0, 0, 0, 0, 0x11, 0x00, 0, 0, 0, 0]);
  assert.deepEqual(decodeSense(s), { key: 3, asc: 0x11, ascq: 0, information: 0x1234, description: 'MEDIUM ERROR: UNRECOVERED READ ERROR' });
});

test('ALUA and unit attention names', () => {
  const fixed = (key: number, asc: number, ascq: number) => Buffer.from([0x70, 0, key, 0, 0, 0, 0, 10, 0, 0, 0, 0, asc, ascq, 0, 0, 0, 0]);
  assert.equal(decodeSense(fixed(2, 4, 0x0a)).description, 'NOT READY: LOGICAL UNIT NOT ACCESSIBLE, ASYMMETRIC ACCESS STATE TRANSITION');
  assert.equal(decodeSense(fixed(2, 4, 0x0b)).description, 'NOT READY: LOGICAL UNIT NOT ACCESSIBLE, TARGET PORT IN STANDBY STATE');
  assert.equal(decodeSense(fixed(2, 4, 0x0c)).description, 'NOT READY: LOGICAL UNIT NOT ACCESSIBLE, TARGET PORT IN UNAVAILABLE STATE');
  assert.equal(decodeSense(fixed(6, 0x2a, 6)).description, 'UNIT ATTENTION: ASYMMETRIC ACCESS STATE CHANGED');
  assert.equal(decodeSense(fixed(6, 0x29, 7)).description, 'UNIT ATTENTION: I_T NEXUS LOSS OCCURRED');
  assert.equal(decodeSense(fixed(6, 0x3f, 0x0e)).description, 'UNIT ATTENTION: REPORTED LUNS DATA HAS CHANGED');
  assert.equal(decodeSense(fixed(5, 0x99, 0x01)).description, 'ILLEGAL REQUEST: ASC 99h ASCQ 01h');
  assert.equal(decodeSense(fixed(5, 0x24, 0)).information, undefined);
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
