/** The ISID, RFC 7143 §11.12.5. */
import { randomBytes } from 'node:crypto';

/** RFC 7143 §11.12.5: ISID type 10b "Random": T=10b, A=0, B (16 bits) and C (8 bits) random. */
export function randomIsid(): Buffer {
  const b = randomBytes(6);
  b[0] = 0x80;
  return b;
}
