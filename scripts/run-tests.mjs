// Runs the compiled tests with node:test. Unit tests (beside the code) first, then the
// integration tests in test/ that drive real third-party peers.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const args = process.argv.slice(2);
const targets = args.length > 0 ? args : ['dist/src', 'dist/test'].filter((p) => existsSync(p));
const res = spawnSync(
  process.execPath,
  ['--enable-source-maps', '--test', '--test-timeout=600000', '--test-reporter=spec', ...targets],
  { stdio: 'inherit', env: { ...process.env, TANDEM_LOG_LEVEL: process.env.TANDEM_LOG_LEVEL ?? 'warn' } },
);
process.exit(res.status ?? 1);
