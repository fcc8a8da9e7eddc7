// Parses the verbose output of libiscsi's iscsi-test-cu into per-test results. A test
// that printed [SKIPPED] counts as skipped even though CUnit reports it as passed. The
// verdict is CUnit's bare "passed"/"FAILED"; a bracketed "[FAILED] ..." line is a helper's
// message (some tests expect a command to fail and print it anyway), not the verdict.
export interface CuResults {
  passed: string[];
  skipped: Array<{ name: string; why: string }>;
  failed: Array<{ name: string; detail: string }>;
}

export function parseCuOutput(text: string): CuResults {
  const res: CuResults = { passed: [], skipped: [], failed: [] };
  let suite = '';
  for (const block of text.split(/\n(?=\s*(?:Suite|Test): )/)) {
    const s = /^\s*Suite: (\S+)/.exec(block);
    if (s) { suite = s[1]!; continue; }
    const t = /^\s*Test: (\S+)/.exec(block);
    if (!t) continue;
    const name = `${suite}.${t[1]}`;
    if (/(^|[^[])FAILED(?!\])/.test(block)) res.failed.push({ name, detail: block.trim().slice(0, 2000) });
    else if (/\[SKIPPED\]/.test(block)) res.skipped.push({ name, why: (/\[SKIPPED\]\s*(.*)/.exec(block)?.[1] ?? '').trim() });
    else if (/passed/.test(block)) res.passed.push(name);
  }
  return res;
}
