/**
 * REPORT LUNS parameter data (SPC-4 §6.33.2): LUN LIST LENGTH bytes 0–3, 4 reserved
 * bytes, then one 8-byte LUN (SAM-5 §4.7) per logical unit. LUNs in an addressing method
 * other than peripheral or flat space are skipped. Short data never throws.
 */
import { decodeLun } from '../../lib/lun.js';

export function parseReportLuns(d: Buffer): number[] {
  if (d.length < 8) return [];
  const end = Math.min(d.length, 8 + d.readUInt32BE(0));
  const out: number[] = [];
  for (let o = 8; o + 8 <= end; o += 8) {
    const lun = decodeLun(d, o);
    if (lun >= 0) out.push(lun);
  }
  return out;
}
