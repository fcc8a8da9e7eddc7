/**
 * iSCSI TransportIDs (SPC-4 §7.6.4.6, RFC 7143 §13.1): PROTOCOL IDENTIFIER 5h,
 * FORMAT CODE 00b = iSCSI name of an initiator device, 01b = initiator port name
 * "<iSCSI name>,i,0x<ISID in hex>". The name is null-terminated and the ADDITIONAL
 * LENGTH "shall be at least 20 and shall be a multiple of four".
 */
export const ISCSI_PROTOCOL_ID = 0x5;

export interface ParsedTransportId {
  /** Initiator port name (format 01b) or device name (format 00b). */
  initiatorPort: string;
  /** Bytes consumed, including the 4-byte header. */
  length: number;
  raw: Buffer;
}

export function parseTransportId(buf: Buffer, off: number): ParsedTransportId | undefined {
  if (off + 4 > buf.length) return undefined;
  const format = buf[off]! >> 6;
  const proto = buf[off]! & 0x0f;
  if (proto !== ISCSI_PROTOCOL_ID || format > 1) return undefined;
  const addl = buf.readUInt16BE(off + 2);
  if (addl < 4 || off + 4 + addl > buf.length) return undefined;
  const body = buf.subarray(off + 4, off + 4 + addl);
  const nul = body.indexOf(0);
  const text = body.subarray(0, nul < 0 ? body.length : nul).toString('utf8');
  if (text.length === 0) return undefined;
  let initiatorPort: string;
  if (format === 0) {
    if (text.toLowerCase().includes(',i,')) return undefined;
    initiatorPort = text;
  } else {
    const m = /^(.+),i,0x([0-9a-fA-F]{1,12})$/.exec(text);
    if (!m) return undefined;
    initiatorPort = `${m[1]},i,0x${m[2]!.toLowerCase()}`;
  }
  return { initiatorPort, length: 4 + addl, raw: Buffer.from(buf.subarray(off, off + 4 + addl)) };
}

/** Encode a format-01b (or 00b when the name has no ",i,") iSCSI TransportID. */
export function encodeTransportId(initiatorPort: string): Buffer {
  const hasIsid = initiatorPort.toLowerCase().includes(',i,');
  const name = Buffer.from(initiatorPort, 'utf8');
  let addl = name.length + 1;
  addl = Math.max(20, (addl + 3) & ~3);
  const b = Buffer.alloc(4 + addl);
  b[0] = ((hasIsid ? 1 : 0) << 6) | ISCSI_PROTOCOL_ID;
  b.writeUInt16BE(addl, 2);
  name.copy(b, 4);
  return b;
}
