import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c, crc32cParts } from './crc32c.js';

/** Bit-at-a-time reference (RFC 3720 B.4 polynomial, reflected). */
function slow(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of buf) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

test('check value "123456789" is 0xe3069283', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
});

test('RFC 3720 Appendix B.4 vectors (wire bytes are little-endian)', () => {
  const le = (n: number): string => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b.toString('hex'); };
  assert.equal(le(crc32c(Buffer.alloc(32))), 'aa36918a');
  assert.equal(le(crc32c(Buffer.alloc(32, 0xff))), '43aba862');
  const inc = Buffer.alloc(32); const dec = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) { inc[i] = i; dec[i] = 31 - i; }
  assert.equal(le(crc32c(inc)), '4e79dd46');
  assert.equal(le(crc32c(dec)), '5cdb3f11');
  // B.4: an iSCSI SCSI Read (10) command PDU
  const read10 = Buffer.from(
    '01c0000000000000000000000000000014000000000004000000001400000018' +
    '28000000000000000200000000000000', 'hex');
  assert.equal(le(crc32c(read10)), '563a96d9');
});

test('matches the bitwise reference at every length and alignment', () => {
  const b = Buffer.alloc(300);
  for (let i = 0; i < b.length; i++) b[i] = (i * 131 + 7) & 0xff;
  for (let start = 0; start < 9; start++) {
    for (let end = start; end <= b.length; end += 7) {
      assert.equal(crc32c(b, 0, start, end), slow(b.subarray(start, end)), `${start}..${end}`);
    }
  }
});

test('large buffers at every alignment (word path) match the reference', () => {
  const big = Buffer.alloc(1000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 37 + 11) & 0xff;
  for (let start = 0; start < 8; start++) {
    for (const end of [start + 64, start + 65, start + 71, start + 72, 999, 1000]) {
      assert.equal(crc32c(big, 0, start, end), slow(big.subarray(start, end)), `${start}..${end}`);
      assert.equal(crc32c(big.subarray(start, end)), slow(big.subarray(start, end)));
    }
  }
});

test('seed continues a CRC; crc32cParts equals the CRC of the concatenation', () => {
  const a = Buffer.from('hello, '); const c = Buffer.from('iSCSI world');
  const whole = crc32c(Buffer.concat([a, c]));
  assert.equal(crc32c(c, crc32c(a)), whole);
  assert.equal(crc32cParts([a, Buffer.alloc(0), c]), whole);
  assert.equal(crc32c(Buffer.alloc(0)), 0);
});
