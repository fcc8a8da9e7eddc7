// Runs the compiled tests with node:test: unit tests beside the code (dist/src) and the
// integration tests with real peers (dist/test). Prints node's spec report and, last,
// one summary line "tests: N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const targets = args.length > 0 ? args : ['dist/src', 'dist/test'].filter((p) => existsSync(p));
const dir = mkdtempSync(join(tmpdir(), 'tandem-tests-'));
const tap = join(dir, 'report.tap');
const res = spawnSync(
  process.execPath,
  [
    '--enable-source-maps', '--test', '--test-timeout=900000',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...targets,
  ],
  { stdio: 'inherit', env: { ...process.env, TANDEM_LOG_LEVEL: process.env.TANDEM_LOG_LEVEL ?? 'warn', UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '8' } },
);
let summary = '';
try {
  const t = readFileSync(tap, 'utf8');
  const n = (k) => Number(new RegExp(`^# ${k} (\\d+)$`, 'm').exec(t)?.[1] ?? 0);
  // A suite that fails or is skipped by itself (its body throws, or it is skipped or its
  // signal aborted for a missing peer tool) registers no test of its own: count it too.
  const suites = (head) => t.split(head).slice(1).map((b) => b.split(/^\s+\.\.\.$/m)[0]).filter((yaml) => /^\s+type: 'suite'$/m.test(yaml));
  const failedSuites = suites(/^\s*not ok \d+ - /m).filter((yaml) => /^\s+failureType: '(testAborted|testCodeFailure)'$/m.test(yaml)).length;
  const skippedSuites = suites(/^\s*ok \d+ - /m).filter((yaml) => /^[^\n]* # SKIP\b/.test(yaml)).length;
  summary = `tests: ${n('pass')} passed, ${n('fail') + n('cancelled') + failedSuites} failed, ${n('skipped') + skippedSuites} skipped`;
} catch {
  summary = 'tests: 0 passed, 1 failed (no report was written)';
}
rmSync(dir, { recursive: true, force: true });
process.stdout.write(`\n${summary}\n`);
process.exit(res.status ?? 1);
