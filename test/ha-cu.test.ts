// libiscsi's iscsi-test-cu -t ALL against the dual-controller array with two URLs, one
// through a port of controller A (the owner) and one through a port of controller B
// (forwarded over the peer link): the whole suite must pass and the MultipathIO tests
// (LUN reset UAs on both controllers, COMPARE AND WRITE atomic across paths) must run.
// Prevents regressions in forwarding, UA broadcast and PR/reservation handling across
// controllers.
import test from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCuOutput } from './support/cu-results.js';
import { freePort } from './support/ports.js';
import { requireTools } from './support/peer-tools.js';
import { run } from './support/run.js';
import { startArray } from './support/tandem.js';

test('iscsi-test-cu -t ALL through A0 and B0: zero failures, MultipathIO runs', requireTools('iscsi-test-cu'), async (t) => {
  const ports: Record<string, number> = {};
  for (const p of ['A0', 'A1', 'B0', 'B1']) ports[p] = await freePort();
  const arr = await startArray({ extraArgs: ['--controllers', '2', ...Object.entries(ports).flatMap(([n, p]) => ['--portal', `${n}=127.0.0.1:${p}`])] });
  try {
    const urlA = `iscsi://127.0.0.1:${ports.A0}/${arr.iqn}/0`;
    const urlB = `iscsi://127.0.0.1:${ports.B0}/${arr.iqn}/0`;
    const r = await run('iscsi-test-cu', ['-d', '-v', '-t', 'ALL', '-i', 'iqn.2026-11.test:ha-cu-1', '-I', 'iqn.2026-11.test:ha-cu-2', urlA, urlB], { timeoutMs: 900_000 });
    const raw = r.stdout + r.stderr;
    writeFileSync(join(arr.dataDir, '..', 'tandem-ha-iscsi-test-cu.txt'), raw);
    const res = parseCuOutput(raw);
    t.diagnostic(`${res.passed.length} passed, ${res.skipped.length} skipped, ${res.failed.length} failed`);
    assert.deepEqual(res.failed.map((f) => f.detail), [], 'iscsi-test-cu failures on the dual-controller array');
    assert.ok(res.passed.length > 100, `suspiciously few passes: ${res.passed.length}`);
    assert.deepEqual(res.passed.filter((n) => n.startsWith('MultipathIO.')).sort(),
      ['MultipathIO.CompareAndWrite', 'MultipathIO.CompareAndWriteAsync', 'MultipathIO.Reset', 'MultipathIO.Simple']);
  } finally {
    await arr.stop();
  }
});
