/**
 * CRC32C (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78), the iSCSI digest of
 * RFC 7143 §13.1 ("HeaderDigest and DataDigest") and RFC 3720 Appendix B.4.
 *
 * Table-driven slice-by-8: eight 256-entry tables, built once when the module loads and
 * never written afterwards (read-only constants, not mutable state).
 *
 * Wire order: the iSCSI digest is the 32-bit CRC written LITTLE-endian
 * (RFC 3720 B.4: 32 zero bytes give the bytes "aa 36 91 8a", i.e. 0x8a9136aa; Linux and
 * libiscsi both store it this way). Use `writeUInt32LE`/`readUInt32LE` for digests.
 */
const POLY = 0x82f63b78;

function buildTables(): Int32Array {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
}

const T = buildTables();

/** Whether this machine is little-endian (then aligned 32-bit loads equal LE byte reads). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * CRC32C of buf[start, end). `seed` is a previous result to continue from (so that
 * crc32c(b, crc32c(a)) === crc32c(a‖b)); default 0 (a fresh CRC). Returns a uint32.
 */
export function crc32c(buf: Uint8Array, seed = 0, start = 0, end = buf.length): number {
  const t = T;
  let crc = ~seed | 0;
  let i = start;
  if (LITTLE_ENDIAN && end - i >= 64) {
    // byte-wise up to a 4-byte aligned address, then 8 bytes per step via an Int32Array view
    while (((buf.byteOffset + i) & 3) !== 0) {
      crc = t[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8);
      i++;
    }
    const words = ((end - i) >>> 3) << 1;
    const w = new Int32Array(buf.buffer, buf.byteOffset + i, words);
    for (let j = 0; j < words; j += 2) {
      const a = w[j]! ^ crc;
      const b = w[j + 1]!;
      crc =
        t[1792 + (a & 0xff)]! ^ t[1536 + ((a >>> 8) & 0xff)]! ^ t[1280 + ((a >>> 16) & 0xff)]! ^ t[1024 + (a >>> 24)]! ^
        t[768 + (b & 0xff)]! ^ t[512 + ((b >>> 8) & 0xff)]! ^ t[256 + ((b >>> 16) & 0xff)]! ^ t[b >>> 24]!;
    }
    i += words * 4;
  } else {
    const stop8 = end - ((end - i) & 7);
    while (i < stop8) {
      const a = (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24)) ^ crc;
      const b = buf[i + 4]! | (buf[i + 5]! << 8) | (buf[i + 6]! << 16) | (buf[i + 7]! << 24);
      crc =
        t[1792 + (a & 0xff)]! ^ t[1536 + ((a >>> 8) & 0xff)]! ^ t[1280 + ((a >>> 16) & 0xff)]! ^ t[1024 + (a >>> 24)]! ^
        t[768 + (b & 0xff)]! ^ t[512 + ((b >>> 8) & 0xff)]! ^ t[256 + ((b >>> 16) & 0xff)]! ^ t[b >>> 24]!;
      i += 8;
    }
  }
  while (i < end) {
    crc = t[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8);
    i++;
  }
  return ~crc >>> 0;
}

/** CRC32C over several buffers as if concatenated. */
export function crc32cParts(bufs: readonly Uint8Array[], seed = 0): number {
  let crc = seed;
  for (const b of bufs) crc = crc32c(b, crc);
  return crc;
}
