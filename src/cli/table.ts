/** Aligned plain-text tables for human output. */
export type Cell = string | number | boolean | null | undefined;

export function formatTable(headers: string[], rows: Cell[][], opts: { rightAlign?: number[] } = {}): string {
  const text = rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : c === true ? 'yes' : c === false ? 'no' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const right = new Set(opts.rightAlign ?? []);
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 && !right.has(i) ? c : right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), ...text.map(line)].join('\n');
}

/** "key: value" lines with the values aligned. */
export function formatFields(fields: Array<[string, Cell]>): string {
  const w = Math.max(...fields.map(([k]) => k.length)) + 1;
  return fields.map(([k, v]) => `${`${k}:`.padEnd(w)} ${v === null || v === undefined ? '-' : v === true ? 'yes' : v === false ? 'no' : String(v)}`).join('\n');
}
