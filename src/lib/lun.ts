/**
 * The 8-byte LUN structure (SAM-5 §4.7.6 single-level LUN structure) as it appears in the
 * iSCSI BHS LUN field (RFC 7143 §11.2.1.6) and in REPORT LUNS parameter data (SPC-4
 * §6.33): peripheral device addressing (method 00b, SAM-5 §4.7.7.2) for LUN < 256, flat
 * space addressing (method 01b, §4.7.7.4) for 256..16383. Lower levels are zero. Shared
 * by the PDU codec, the target and the SCSI client codec.
 */

/** 8-byte LUN field for a flat LUN number (0..16383; higher bits are masked off). */
export function encodeLun(lun: number): Buffer {
  const b = Buffer.alloc(8);
  writeLun(b, 0, lun);
  return b;
}

/** Write the 8-byte LUN field for `lun` at `off`, in place. */
export function writeLun(buf: Buffer, off: number, lun: number): void {
  lun &= 0x3fff;
  if (lun < 256) {
    buf[off] = 0;
    buf[off + 1] = lun;
  } else {
    buf[off] = 0x40 | (lun >>> 8);
    buf[off + 1] = lun & 0xff;
  }
  for (let i = 2; i < 8; i++) buf[off + i] = 0;
}

/**
 * Flat LUN number of an 8-byte LUN field (peripheral or flat addressing), or -1 for any
 * other address method, a bus identifier, nonzero lower levels, or a short buffer.
 */
export function decodeLun(buf: Buffer, off = 0): number {
  if (buf.length < off + 8) return -1;
  for (let i = 2; i < 8; i++) if (buf[off + i] !== 0) return -1;
  const b0 = buf[off]!;
  const method = b0 >>> 6;
  if (method === 0) {
    // peripheral device addressing: byte 0 low 6 bits are the BUS IDENTIFIER; only bus 0
    return (b0 & 0x3f) === 0 ? buf[off + 1]! : -1;
  }
  if (method === 1) return ((b0 & 0x3f) << 8) | buf[off + 1]!;
  return -1;
}
