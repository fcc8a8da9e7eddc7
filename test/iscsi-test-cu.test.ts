// libiscsi's conformance suite against a Tandem thin volume and, in the same run, against
// tgt on the same machine. Tandem must have zero failures and more tests really passed
// (not skipped) than tgt. Prevents regressions in any SPC/SBC/iSCSI behaviour the suite checks.
import test from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCuOutput, type CuResults } from './support/cu-results.js';
import { haveTools, requiredUnderSwitch, requireTools } from './support/peer-tools.js';
import { run } from './support/run.js';
import { startArray } from './support/tandem.js';
import { startTgt } from './support/tgt.js';

// tgt is the reference the pass count is compared with: left out on a machine without it
// (or not root), required under TANDEM_REQUIRE_PEER_TOOLS=1.
const TGT = ['tgtd', 'tgtadm', 'root'] as const;
const haveTgt = haveTools(...TGT);

/** Runs the whole suite; a second URL to the same LU (another portal) enables the MultipathIO tests. */
async function cu(url: string, url2: string): Promise<CuResults & { raw: string }> {
  const r = await run('iscsi-test-cu', ['-d', '-v', '-t', 'ALL', '-i', 'iqn.2026-11.test:cu-1', '-I', 'iqn.2026-11.test:cu-2', url, url2], { timeoutMs: 900_000 });
  return { ...parseCuOutput(r.stdout + r.stderr), raw: r.stdout + r.stderr };
}

const summary = (r: CuResults) => `${r.passed.length} passed, ${r.skipped.length} skipped, ${r.failed.length} failed`;

test('iscsi-test-cu -t ALL: zero failures on Tandem, more real passes than tgt', requireTools('iscsi-test-cu', ...requiredUnderSwitch(...TGT)), async (t) => {
  const arr = await startArray({ controllers: 1, secondPortal: true });
  let tgtRes: CuResults | undefined;
  try {
    const ours = await cu(arr.url(0), `iscsi://${arr.portals[1]}/${arr.iqn}/0`);
    writeFileSync(join(arr.dataDir, '..', 'tandem-iscsi-test-cu.txt'), ours.raw);
    if (haveTgt) {
      const tgt = await startTgt();
      try {
        tgtRes = await cu(tgt.url(1), tgt.url(1));
      } finally {
        await tgt.stop();
      }
    }
    t.diagnostic(`tandem: ${summary(ours)}`);
    if (tgtRes) t.diagnostic(`tgt:    ${summary(tgtRes)}`);
    for (const s of ours.skipped) t.diagnostic(`tandem skipped ${s.name}: ${s.why}`);
    assert.deepEqual(ours.failed.map((f) => f.detail), [], 'iscsi-test-cu failures on Tandem');
    assert.ok(ours.passed.length > 100, `suspiciously few passes: ${summary(ours)}`);
    const mp = ours.passed.filter((n) => n.startsWith('MultipathIO.'));
    assert.equal(mp.length, 4, 'the MultipathIO tests run and pass through the second portal');
    const bogus = ours.skipped.filter((s) => /fully provisioned/i.test(s.why));
    assert.deepEqual(bogus, [], 'tests skipped because the thin volume claimed to be fully provisioned');
    if (tgtRes) assert.ok(ours.passed.length > tgtRes.passed.length, `Tandem ${summary(ours)} vs tgt ${summary(tgtRes)}`);
  } finally {
    await arr.stop();
  }
});
