/**
 * Text key=value data segments of Login and Text PDUs, RFC 7143 §6.1 ("Text Format"):
 * "key=value" pairs, each terminated by a null (0x00) byte, UTF-8.
 *  - key-name: letters, digits, '.', '-', '+', '@', '_' (§6.1); "A standard-label MUST
 *    begin with a capital letter and must not exceed 63 characters" (§6.1; the capital
 *    letter is not enforced: iSCSIProtocolLevel, RFC 7144, starts with a lower-case i).
 *  - "The maximum length of an individual value ... is 255 bytes" unless the key's
 *    definition says otherwise: CHAP_C/CHAP_R and the other authentication keys carry
 *    large-binary-values (§6.1, §12), for which we accept up to LARGE_VALUE_MAX bytes.
 * The final null is tolerated when missing (some initiators omit it); empty entries
 * (consecutive nulls) are skipped. Reassembly of C-bit continued PDUs is the caller's.
 */

const KEY_MAX = 63;
const VALUE_MAX = 255;
const LARGE_VALUE_MAX = 65536;
/** Keys whose values may exceed 255 bytes (large-binary-value, RFC 7143 §12). */
const LARGE_VALUE_KEYS: ReadonlySet<string> = new Set([
  'CHAP_C', 'CHAP_R', 'KRB_AP_REQ', 'KRB_AP_REP', 'SRP_s', 'SRP_A', 'SRP_B', 'SRP_M', 'SRP_HM',
]);
const KEY_RE = /^[A-Za-z0-9.\-+@_]+$/;

export type ParseTextResult = { ok: true; pairs: Array<[string, string]> } | { ok: false; message: string };

export function parseTextData(data: Buffer): ParseTextResult {
  const pairs: Array<[string, string]> = [];
  let start = 0;
  const n = data.length;
  while (start < n) {
    let end = data.indexOf(0, start);
    if (end < 0) end = n;
    if (end > start) {
      const eq = data.indexOf(0x3d /* = */, start);
      if (eq < 0 || eq >= end) {
        return { ok: false, message: `text entry without '=': "${data.toString('utf8', start, Math.min(end, start + 80))}"` };
      }
      const keyLen = eq - start;
      if (keyLen === 0) return { ok: false, message: 'empty key name' };
      if (keyLen > KEY_MAX) return { ok: false, message: `key name longer than ${KEY_MAX} bytes` };
      const key = data.toString('latin1', start, eq);
      if (!KEY_RE.test(key)) return { ok: false, message: `invalid key name "${key}"` };
      const valueLen = end - eq - 1;
      const max = LARGE_VALUE_KEYS.has(key) ? LARGE_VALUE_MAX : VALUE_MAX;
      if (valueLen > max) return { ok: false, message: `value of ${key} is ${valueLen} bytes, more than ${max}` };
      pairs.push([key, data.toString('utf8', eq + 1, end)]);
    }
    start = end + 1;
  }
  return { ok: true, pairs };
}

/** key=value\0 for each pair, in order. Input is trusted (our own keys). */
export function encodeTextData(pairs: ReadonlyArray<readonly [string, string]>): Buffer {
  let len = 0;
  for (const [k, v] of pairs) len += Buffer.byteLength(k) + Buffer.byteLength(v) + 2;
  const out = Buffer.allocUnsafe(len);
  let o = 0;
  for (const [k, v] of pairs) {
    o += out.write(k, o, 'utf8');
    out[o++] = 0x3d;
    o += out.write(v, o, 'utf8');
    out[o++] = 0;
  }
  return out;
}
