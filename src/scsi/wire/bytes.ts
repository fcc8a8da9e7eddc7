/**
 * Byte helpers of the client codec. 64-bit fields (LBAs, SBC-4 §4.5) are JS numbers:
 * exact below 2^53, far beyond any device served here. Reads never throw on short data
 * (the parsers check bounds first); latin1 text is trimmed of padding.
 */

export function writeU64(b: Buffer, off: number, v: number): void {
  b.writeUInt32BE(Math.floor(v / 0x1_0000_0000) >>> 0, off);
  b.writeUInt32BE(v >>> 0, off + 4);
}

export function readU64(b: Buffer, off: number): number {
  return b.readUInt32BE(off) * 0x1_0000_0000 + b.readUInt32BE(off + 4);
}

/** ASCII field [start, end) clamped to the data, trailing NULs and spaces removed (SPC-4 §4.3.1). */
export function asciiField(b: Buffer, start: number, end: number): string {
  return b.toString('latin1', Math.min(start, b.length), Math.min(end, b.length)).replace(/\0+$/, '').trim();
}
