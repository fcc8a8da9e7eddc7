import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chapResponse, chapResponseMatches, decodeChapBinary, encodeChapBinary, newChapChallenge, newChapId } from './chap.js';

test('response is MD5(id ‖ secret ‖ challenge) (RFC 1994 §4.1) — RFC 1321 test-suite vectors', () => {
  // MD5("abc") and MD5("message digest") from RFC 1321 §A.5, split into id / secret / challenge
  assert.equal(chapResponse(0x61, Buffer.from('b'), Buffer.from('c')).toString('hex'), '900150983cd24fb0d6963f7d28e17f72');
  assert.equal(
    chapResponse('m'.charCodeAt(0), Buffer.from('essage'), Buffer.from(' digest')).toString('hex'),
    'f96b697d7cb7938d525a2f31aaf161d0',
  );
});

test('only the low byte of the id is used', () => {
  const s = Buffer.from('secretsecret'); const c = Buffer.from('0123456789abcdef');
  assert.deepEqual(chapResponse(0x105, s, c), chapResponse(0x05, s, c));
  assert.notDeepEqual(chapResponse(6, s, c), chapResponse(5, s, c));
});

test('binary values: 0x hex and 0b base64 (RFC 7143 §6.1)', () => {
  const b = Buffer.from([0, 1, 0xfe, 0xff]);
  assert.equal(encodeChapBinary(b), '0x0001feff');
  assert.deepEqual(decodeChapBinary('0x0001feff'), b);
  assert.deepEqual(decodeChapBinary('0X0001FEFF'), b);
  assert.deepEqual(decodeChapBinary('0b' + b.toString('base64')), b);
  assert.deepEqual(decodeChapBinary('0B' + b.toString('base64')), b);
  assert.deepEqual(decodeChapBinary('0x1ff'), Buffer.from([1, 0xff]));
  for (const bad of ['', '0x', '0xzz', '1x00', 'abc', '0b!!!!', '0bAAA', '0q00']) assert.equal(decodeChapBinary(bad), undefined, bad);
});

test('challenges are random and ids fit one byte', () => {
  assert.equal(newChapChallenge().length, 16);
  assert.equal(newChapChallenge(32).length, 32);
  assert.notDeepEqual(newChapChallenge(), newChapChallenge());
  for (let i = 0; i < 100; i++) { const id = newChapId(); assert.ok(id >= 0 && id <= 255 && Number.isInteger(id)); }
});

test('chapResponseMatches compares contents and lengths', () => {
  assert.ok(chapResponseMatches(Buffer.from('abcd'), Buffer.from('abcd')));
  assert.ok(!chapResponseMatches(Buffer.from('abcd'), Buffer.from('abce')));
  assert.ok(!chapResponseMatches(Buffer.from('abcd'), Buffer.from('abc')));
});
