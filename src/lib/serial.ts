/**
 * 32-bit serial number arithmetic, RFC 1982 §3.2, as required for CmdSN, StatSN,
 * DataSN and friends by RFC 7143 §4.2.2.1 ("Serial number arithmetic").
 */
const HALF = 0x80000000;

/** a < b in serial arithmetic (undefined when they are exactly 2^31 apart: returns false). */
export function serialLt(a: number, b: number): boolean {
  a >>>= 0; b >>>= 0;
  return (a < b && b - a < HALF) || (a > b && a - b > HALF);
}
export function serialGt(a: number, b: number): boolean {
  return serialLt(b, a);
}
export function serialLte(a: number, b: number): boolean {
  return (a >>> 0) === (b >>> 0) || serialLt(a, b);
}
export function serialGte(a: number, b: number): boolean {
  return (a >>> 0) === (b >>> 0) || serialGt(a, b);
}
/** a + n modulo 2^32. */
export function serialAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}
/** Signed distance b - a in serial arithmetic. */
export function serialDiff(a: number, b: number): number {
  return ((b - a) | 0);
}
