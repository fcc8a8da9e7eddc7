// libiscsi's iscsi-test-cu -t ALL against the dual-controller array through A1 and B1
// with the volume trespassed away from its preferred owner A (docs/ha.md "Reservations
// and unit attentions", "Nexus events reach the owner"): the first URL reaches the
// non-owner, so every RESERVE, PERSISTENT RESERVE OUT, logout, I_T nexus loss, LUN
// reset and target reset it sends must have its effect on the owner B. Zero failures,
// and the four MultipathIO tests run.
import test from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCuOutput } from './support/cu-results.js';
import { startHaArray } from './support/ha.js';
import { requireTools } from './support/peer-tools.js';
import { run } from './support/run.js';

test('iscsi-test-cu -t ALL through A1 and B1, demo trespassed to B: zero failures, MultipathIO 4/4', requireTools('iscsi-test-cu'), async (t) => {
  const ha = await startHaArray();
  try {
    if ((await ha.owner()) !== 'B') await ha.ok(['volume', 'trespass', 'demo', '--to', 'B']);
    const view = (await ha.arr.api<{ preferredOwner: string; currentOwner: string }>('GET', '/v1/volumes/demo')).body;
    assert.deepEqual([view.preferredOwner, view.currentOwner], ['A', 'B'], 'demo prefers A and is owned by B');
    const urlA1 = `iscsi://127.0.0.1:${ha.ports.A1}/${ha.arr.iqn}/0`;
    const urlB1 = `iscsi://127.0.0.1:${ha.ports.B1}/${ha.arr.iqn}/0`;
    const r = await run('iscsi-test-cu', ['-d', '-v', '-t', 'ALL', '-i', 'iqn.2026-11.test:ha-cu-t1', '-I', 'iqn.2026-11.test:ha-cu-t2', urlA1, urlB1], { timeoutMs: 900_000 });
    const raw = r.stdout + r.stderr;
    writeFileSync(join(ha.arr.dataDir, '..', 'tandem-ha-iscsi-test-cu-trespassed.txt'), raw);
    const res = parseCuOutput(raw);
    t.diagnostic(`${res.passed.length} passed, ${res.skipped.length} skipped, ${res.failed.length} failed`);
    assert.deepEqual(res.failed.map((f) => f.detail), [], 'iscsi-test-cu failures through the non-owner');
    assert.ok(res.passed.length > 100, `suspiciously few passes: ${res.passed.length}`);
    assert.deepEqual(res.passed.filter((n) => n.startsWith('MultipathIO.')).sort(),
      ['MultipathIO.CompareAndWrite', 'MultipathIO.CompareAndWriteAsync', 'MultipathIO.Reset', 'MultipathIO.Simple']);
    assert.equal(await ha.owner(), 'B', 'the suite does not move the volume (no SET TARGET PORT GROUPS in it)');
  } finally {
    await ha.close();
  }
});
