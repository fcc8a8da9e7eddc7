/**
 * NBD server-side encoders: messages → bytes (NetworkBlockDevice/nbd doc/proto.md,
 * "Newstyle negotiation", "Option reply", "NBD_OPT_EXPORT_NAME", "NBD_REP_INFO",
 * "Simple reply message"). Pure functions.
 */
import { EXPORT_NAME_PADDING, HandshakeFlag, Info, NBD_MAGIC, IHAVEOPT, OPTION_REPLY_MAGIC, Rep, SIMPLE_REPLY_MAGIC } from './constants.js';

/** "S: 64 bits, 0x4e42444d41474943 (ASCII 'NBDMAGIC') … S: 64 bits, 0x49484156454F5054 (ASCII 'IHAVEOPT') … S: 16 bits, handshake flags" */
export function encodeGreeting(flags: number = HandshakeFlag.FIXED_NEWSTYLE | HandshakeFlag.NO_ZEROES): Buffer {
  const b = Buffer.alloc(18);
  b.writeBigUInt64BE(NBD_MAGIC, 0);
  b.writeBigUInt64BE(IHAVEOPT, 8);
  b.writeUInt16BE(flags, 16);
  return b;
}

export function encodeOptionReply(option: number, replyType: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(20 + data.length);
  b.writeBigUInt64BE(OPTION_REPLY_MAGIC, 0);
  b.writeUInt32BE(option, 8);
  b.writeUInt32BE(replyType >>> 0, 12);
  b.writeUInt32BE(data.length, 16);
  data.copy(b, 20);
  return b;
}

/** An error reply; the optional message is "a string suitable for presenting to the user". */
export function encodeOptionError(option: number, errType: number, message = ''): Buffer {
  return encodeOptionReply(option, errType, Buffer.from(message, 'utf8'));
}

/** NBD_REP_SERVER for NBD_OPT_LIST: "32 bits, length of name (unsigned); … name". */
export function encodeRepServer(option: number, name: string): Buffer {
  const n = Buffer.from(name, 'utf8');
  const d = Buffer.alloc(4 + n.length);
  d.writeUInt32BE(n.length, 0);
  n.copy(d, 4);
  return encodeOptionReply(option, Rep.SERVER, d);
}

export function encodeInfoExport(option: number, sizeBytes: number, txFlags: number): Buffer {
  const d = Buffer.alloc(12);
  d.writeUInt16BE(Info.EXPORT, 0);
  d.writeBigUInt64BE(BigInt(sizeBytes), 2);
  d.writeUInt16BE(txFlags, 10);
  return encodeOptionReply(option, Rep.INFO, d);
}

export function encodeInfoString(option: number, infoType: typeof Info.NAME | typeof Info.DESCRIPTION, s: string): Buffer {
  const t = Buffer.from(s, 'utf8');
  const d = Buffer.alloc(2 + t.length);
  d.writeUInt16BE(infoType, 0);
  t.copy(d, 2);
  return encodeOptionReply(option, Rep.INFO, d);
}

export function encodeInfoBlockSize(option: number, min: number, preferred: number, max: number): Buffer {
  const d = Buffer.alloc(14);
  d.writeUInt16BE(Info.BLOCK_SIZE, 0);
  d.writeUInt32BE(min, 2);
  d.writeUInt32BE(preferred, 6);
  d.writeUInt32BE(max, 10);
  return encodeOptionReply(option, Rep.INFO, d);
}

/** The reply to NBD_OPT_EXPORT_NAME: size, transmission flags and (unless NO_ZEROES) 124 zero bytes. */
export function encodeExportNameReply(sizeBytes: number, txFlags: number, noZeroes: boolean): Buffer {
  const b = Buffer.alloc(10 + (noZeroes ? 0 : EXPORT_NAME_PADDING));
  b.writeBigUInt64BE(BigInt(sizeBytes), 0);
  b.writeUInt16BE(txFlags, 8);
  return b;
}

/** "S: 32 bits, 0x67446698 … S: 32 bits, error (MAY be zero) … S: 64 bits, handle" */
export function encodeSimpleReply(handle: bigint, error: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(SIMPLE_REPLY_MAGIC, 0);
  b.writeUInt32BE(error, 4);
  b.writeBigUInt64BE(handle, 8);
  return b;
}

/** Parsed NBD_OPT_INFO / NBD_OPT_GO data, or a reason it is malformed. */
export function parseInfoRequest(data: Buffer): { name: string; infos: number[] } | { invalid: string } {
  if (data.length < 6) return { invalid: 'NBD_OPT_INFO/GO data shorter than 6 bytes' };
  const nameLen = data.readUInt32BE(0);
  if (nameLen > data.length - 6) return { invalid: 'export name length exceeds the option data' };
  const name = data.subarray(4, 4 + nameLen).toString('utf8');
  const n = data.readUInt16BE(4 + nameLen);
  if (data.length !== 6 + nameLen + 2 * n) return { invalid: 'information request count does not match the option length' };
  const infos: number[] = [];
  for (let i = 0; i < n; i++) infos.push(data.readUInt16BE(6 + nameLen + 2 * i));
  return { name, infos };
}
