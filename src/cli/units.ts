/**
 * Sizes on the command line and in tables. Suffixes are binary whatever their
 * spelling: 10G = 10GB = 10GiB = 10 × 2^30 bytes (what storage admins mean).
 */
const POW: Record<string, number> = { '': 0, B: 0, K: 1, M: 2, G: 3, T: 4, P: 5 };

/** Parses "10G", "512M", "1.5T", "4096" into bytes; undefined when it does not parse. */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b|i)?\s*$/i.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]) * 1024 ** POW[m[2]!.toUpperCase()]!;
  return Number.isSafeInteger(n) ? n : undefined;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** 10737418240 → "10 GiB", 1610612736 → "1.5 GiB", 524288 → "512 KiB". */
export function formatSize(bytes: number): string {
  let i = 0;
  let v = bytes;
  while (v >= 1024 && i < UNITS.length - 1) { v /= 1024; i++; }
  const s = Number.isInteger(v) ? String(v) : v.toFixed(2).replace(/\.?0+$/, '');
  return `${s} ${UNITS[i]}`;
}
