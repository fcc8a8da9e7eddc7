/**
 * CHAP for iSCSI login, RFC 7143 §12.1.3 ("Challenge Handshake Authentication Protocol")
 * over RFC 1994 §4.1: Response = MD5(Identifier ‖ secret ‖ Challenge), with CHAP_A=5
 * (MD5). Binary values are encoded per RFC 7143 §6.1 ("binary-value": "0x"/"0X" hex or
 * "0b"/"0B" base64).
 * Policy (rejecting a reflected challenge, secret length, one-time identifiers) is the
 * login state machine's concern; this file only computes and encodes.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';

/** RFC 1994 §4.1: MD5 over the one-octet Identifier, the secret, then the challenge. */
export function chapResponse(id: number, secret: Buffer, challenge: Buffer): Buffer {
  const h = createHash('md5');
  h.update(Uint8Array.of(id & 0xff));
  h.update(secret);
  h.update(challenge);
  return h.digest();
}

/** "0x" + lower-case hex. */
export function encodeChapBinary(buf: Buffer): string {
  return '0x' + buf.toString('hex');
}

/** Decode a binary-value: 0x/0X hex (odd digit count allowed, left-padded) or 0b/0B base64. */
export function decodeChapBinary(s: string): Buffer | undefined {
  if (s.length < 3 || s[0] !== '0') return undefined;
  const p = s[1];
  const body = s.slice(2);
  if (p === 'x' || p === 'X') {
    if (!/^[0-9a-fA-F]+$/.test(body)) return undefined;
    return Buffer.from(body.length % 2 ? '0' + body : body, 'hex');
  }
  if (p === 'b' || p === 'B') {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body) || body.length % 4 !== 0) return undefined;
    return Buffer.from(body, 'base64');
  }
  return undefined;
}

export function newChapChallenge(bytes = 16): Buffer {
  return randomBytes(bytes);
}

export function newChapId(): number {
  return randomInt(0, 256);
}

/** Constant-time comparison of an expected and a received CHAP_R. */
export function chapResponseMatches(expected: Buffer, received: Buffer): boolean {
  if (expected.length !== received.length) return false;
  let d = 0;
  for (let i = 0; i < expected.length; i++) d |= expected[i]! ^ received[i]!;
  return d === 0;
}
