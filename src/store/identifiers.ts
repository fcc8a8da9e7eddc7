/**
 * Identifier generation for the array and its volumes.
 *
 * NAA IEEE Registered Extended designator, SPC-4 §7.8.6.6.5 (NAA = 6h, "NAA IEEE Registered Extended designator format"): 16 bytes —
 * NAA (4 bits) | IEEE COMPANY_ID (24 bits) | VENDOR SPECIFIC IDENTIFIER (36 bits) |
 * VENDOR SPECIFIC IDENTIFIER EXTENSION (64 bits). Generated once per volume, never changed
 * (hosts group paths by it).
 */
import { randomBytes, randomUUID } from 'node:crypto';

/**
 * Tandem's 24-bit company id. Not an IEEE-assigned OUI: it is a CID (second-least
 * significant bit of the first octet set, the IEEE "X" bit for locally assigned ids).
 */
export const TANDEM_COMPANY_ID = 0x2a_de_4d;

export function newNaa(random: (n: number) => Buffer = randomBytes): string {
  const b = Buffer.alloc(16);
  const r = random(13);
  // byte0: NAA=6 in the high nibble, top 4 bits of the company id in the low nibble.
  b[0] = 0x60 | ((TANDEM_COMPANY_ID >> 20) & 0x0f);
  b[1] = (TANDEM_COMPANY_ID >> 12) & 0xff;
  b[2] = (TANDEM_COMPANY_ID >> 4) & 0xff;
  // byte3: low nibble of the company id, then 4 random vendor-specific bits.
  b[3] = ((TANDEM_COMPANY_ID & 0x0f) << 4) | (r[0]! & 0x0f);
  r.copy(b, 4, 1, 13);
  return b.toString('hex');
}

export function newVolumeId(): string {
  return randomUUID();
}

/** VPD 0x80 unit serial number: the id's 32 hex digits, upper case. */
export function serialFromId(id: string): string {
  return id.replace(/-/g, '').toUpperCase();
}

export function newArrayId(): string {
  return randomUUID();
}

/** iqn.2026-11.io.tandem:<first 12 hex digits of the array id>. */
export function targetIqnFor(arrayId: string): string {
  return `iqn.2026-11.io.tandem:${arrayId.replace(/-/g, '').slice(0, 12).toLowerCase()}`;
}
