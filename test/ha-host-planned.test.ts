// Planned moves, port failures, back-end failure and a cut peer link, judged by a host
// stack we did not write: QEMU's iSCSI driver behind qemu-nbd, logged in through ONE
// address (A0's), fio --verify=crc32c on top (test/support/qemu-host.ts). QEMU has no
// ALUA: NOT READY 04h/0Ah is EIO to it. Each drill passes only with 0 fio errors, every
// block verified and no request QEMU failed: trespass, move, SET TARGET PORT GROUPS
// (sent with our initiator while QEMU runs), the mode-4 threshold trespass, back-end
// failure and repair, a cut and restored peer link while QEMU's port is the non-owner's,
// and port down/up of QEMU's port in every ipFailover mode. With `none` the address is
// not served while its port is down: for a host with that one address this is an
// outage by definition, so the drill asserts that it stays a pause — no error, every
// block verified, the worst completion as long as the outage and inside the host's
// timeout — and that I/O resumes once the port is up. docs/ha.md "Holding commands".
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { scsi } from '../src/iscsi/initiator/index.js';
import { requireTools } from './support/peer-tools.js';
import { drainUas, waitFor, type HaArray } from './support/ha.js';
import { describeFio, runFio, type FioResult, type QemuHost } from './support/qemu-host.js';
import { HOST_TIMEOUT_S, startHostDrillRig, type HostDrillRig } from './support/qemu-drills.js';

const needs = requireTools('qemu-nbd', 'qemu-iscsi', 'fio');
let ha: HaArray;
let q: QemuHost;
let rig: HostDrillRig | undefined;

before(async () => {
  if (needs.skip !== undefined || needs.signal !== undefined) return;
  rig = await startHostDrillRig('planned');
  ({ ha, q } = rig);
});
after(async () => {
  await rig?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ownerIs = (c: string, ms = 20_000) => waitFor(`demo owned by ${c}`, async () => (await ha.owner()) === c, ms, 100);
type Diag = { diagnostic(s: string): void };

async function drill(t: Diag, name: string, runtimeS: number, act: () => Promise<void>, check?: (r: FioResult) => void): Promise<void> {
  const mark = q.stderr().length;
  const fio = runFio(q.uri, { name: name.replace(/\W+/g, '-'), runtimeS });
  await sleep(1500);
  const t0 = Date.now();
  try {
    await act();
  } catch (err) {
    fio.kill();
    throw new Error(`${name}: ${(err as Error).message}\n${ha.tail()}`);
  }
  const r = await fio.done;
  const qemu = q.stderrSince(mark);
  t.diagnostic(`${name}: ${describeFio(r)}; drill took ${Date.now() - t0} ms`);
  const why = `${name}\nQEMU:\n${qemu}\nfio:\n${r.stderr}\narray:\n${ha.tail()}`;
  assert.equal(r.errors, 0, `fio saw I/O errors: ${why}`);
  assert.deepEqual(r.verifyErrors, [], `fio verify failed: ${why}`);
  assert.deepEqual(q.failedRequests(mark), [], `QEMU failed requests: ${why}`);
  assert.ok(r.writeBytes > 0 && r.readBytes > 0, `fio wrote and verified: ${why}`);
  assert.ok(r.worstLatencyMs < HOST_TIMEOUT_S * 1000, `every request completed within the host's timeout (worst ${r.worstLatencyMs} ms): ${why}`);
  check?.(r);
}

test('QEMU through A0 across planned moves: trespass, move, SET TARGET PORT GROUPS, the mode-4 threshold', { ...needs, timeout: 180_000 }, async (t) => {
  await t.test('trespass to B and back', () => drill(t, 'trespass', 7, async () => {
    await ha.ok(['volume', 'trespass', 'demo', '--to', 'B']);
    await sleep(1500);
    await ha.ok(['volume', 'trespass', 'demo', '--to', 'A']);
  }));
  await t.test('move (preferred owner) to B and back', () => drill(t, 'move', 7, async () => {
    await ha.ok(['volume', 'move', 'demo', '--to', 'B']);
    await sleep(1500);
    await ha.ok(['volume', 'move', 'demo', '--to', 'A']);
  }));
  await t.test('SET TARGET PORT GROUPS from another host through B0, then through A1', () => drill(t, 'stpg', 7, async () => {
    const b = await ha.open('B0', 'iqn.2026-11.test:stpg');
    await drainUas(b);
    await scsi.setTargetPortGroups(b, 0, [{ id: 2, state: 'active-optimized' }]);
    assert.equal(await ha.owner(), 'B');
    await sleep(1500);
    const a = await ha.open('A1', 'iqn.2026-11.test:stpg');
    await drainUas(a);
    await scsi.setTargetPortGroups(a, 0, [{ id: 1, state: 'active-optimized' }]);
    assert.equal(await ha.owner(), 'A');
  }));
  await ha.ok(['volume', 'trespass', 'demo', '--to', 'B']);
  await t.test('ALUA threshold: QEMU\'s I/O through the non-owner A trespasses the volume to A', () => drill(t, 'alua threshold', 7, async () => {
    await ha.ok(['cluster', 'policy', 'set', '--alua-threshold', '300']);
    await ownerIs('A');
  }));
  await ha.ok(['cluster', 'policy', 'set', '--alua-threshold', '64000']);
});

test('QEMU through A0 across a back-end failure and repair, and a cut peer link while A forwards', { ...needs, timeout: 120_000 }, async (t) => {
  assert.equal(await ha.owner(), 'A');
  await t.test('back end of A fails (the volume trespasses to B, A forwards), then is repaired', () => drill(t, 'backend fail/repair', 8, async () => {
    await ha.ok(['fault', 'backend-fail', 'A']);
    assert.equal(await ha.owner(), 'B');
    await sleep(2000);
    await ha.ok(['fault', 'backend-repair', 'A']);
    assert.equal(await ha.owner(), 'A');
  }));
  await ha.ok(['volume', 'trespass', 'demo', '--to', 'B']);
  await t.test('peer link cut for 2 s while A forwards to B, then restored', () => drill(t, 'peer link cut', 8, async () => {
    await ha.ok(['fault', 'peer-link-cut']);
    await sleep(2000);
    await ha.ok(['fault', 'peer-link-restore']);
  }));
  await ha.ok(['volume', 'trespass', 'demo', '--to', 'A']);
});

test('QEMU through A0 across port down/up of A0 in every ipFailover mode', { ...needs, timeout: 240_000 }, async (t) => {
  const portCycle = async (down: string[], holdMs: number) => {
    for (const p of down) await ha.ok(['fault', 'port-down', p]);
    await sleep(holdMs);
    for (const p of [...down].reverse()) await ha.ok(['fault', 'port-up', p]);
  };
  for (const mode of ['local', 'remote', 'both'] as const) {
    await ha.ok(['controller', 'set-ipfailover', 'A', mode]);
    const down = mode === 'both' ? ['A0', 'A1'] : ['A0'];
    await t.test(`ipFailover ${mode}: port-down ${down.join(', ')}, then up`, () => drill(t, `ipfailover ${mode}`, 9, async () => {
      await portCycle(down, 2500);
      // remote (and both, once A1 fails too) moved the volume to B; failback manual keeps it there.
      if ((await ha.owner()) !== 'A') await ha.ok(['controller', 'failback', 'A']);
      await ownerIs('A');
    }));
  }
  await ha.ok(['controller', 'set-ipfailover', 'A', 'none']);
  const outageMs = 3000;
  await t.test('ipFailover none: A0 down is an outage of QEMU\'s only address: a pause, no error', () => drill(t, 'ipfailover none', 9, () => portCycle(['A0'], outageMs), (r) => {
    assert.ok(r.worstLatencyMs >= outageMs - 500, `QEMU's one address was not served for ${outageMs} ms: some request waited that long (worst ${r.worstLatencyMs} ms)`);
  }));
  await ha.ok(['controller', 'set-ipfailover', 'A', 'both']);
});
