// Controller failures the array survives, judged by a host stack we did not write: QEMU's
// iSCSI driver behind qemu-nbd, logged in through ONE address (A0's, which moves to B
// when A is down: the DS300 note's IP takeover), with fio --verify=crc32c on top
// (test/support/qemu-host.ts). QEMU has no ALUA and retries only UNIT ATTENTION, BUSY
// and its own timeouts, so every drill passes only with 0 fio errors, every block
// verified, and no request QEMU failed: a kill and a hang of the owner, an enable (A0's
// address goes home and A forwards to the owner B), a kill and a hang of the owner B
// while A forwards to it (issue 9: forwarded commands failed with HARDWARE ERROR
// 08h/00h), a manual failback, and failback auto (restart by the supervisor, the
// volume returned after the delay). docs/ha.md "Holding commands".
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { requireTools } from './support/peer-tools.js';
import { waitFor, type HaArray } from './support/ha.js';
import { describeFio, runFio, type QemuHost } from './support/qemu-host.js';
import { HOST_TIMEOUT_S, startHostDrillRig, type HostDrillRig } from './support/qemu-drills.js';

const needs = requireTools('qemu-nbd', 'qemu-iscsi', 'fio');
let ha: HaArray;
let q: QemuHost;
let rig: HostDrillRig | undefined;

before(async () => {
  if (needs.skip !== undefined || needs.signal !== undefined) return;
  rig = await startHostDrillRig('failures');
  ({ ha, q } = rig);
});
after(async () => {
  await rig?.close();
});

type Ctl = { name: string; state: string };
const state = async (name: string) => (await ha.arr.api<Ctl[]>('GET', '/v1/controllers')).body.find((c) => c.name === name)!.state;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ownerIs = (c: string, ms = 20_000) => waitFor(`demo owned by ${c}`, async () => (await ha.owner()) === c, ms, 100);
const online = (c: string, ms = 30_000) => waitFor(`controller ${c} online`, async () => (await state(c)) === 'online', ms, 100);

/**
 * fio runs `runtimeS` on QEMU's export; `act` runs 1.5 s in; then every written block
 * is verified. Fails on any fio error, verify failure or request QEMU failed.
 */
async function drill(t: { diagnostic(s: string): void }, name: string, runtimeS: number, act: () => Promise<void>): Promise<void> {
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
  t.diagnostic(`${name}: ${describeFio(r)}; fault handled in ${Date.now() - t0} ms; QEMU logged ${qemu.split('\n').filter(Boolean).length} line(s)`);
  const why = `${name}\nQEMU:\n${qemu}\nfio:\n${r.stderr}\narray:\n${ha.tail()}`;
  assert.equal(r.errors, 0, `fio saw I/O errors: ${why}`);
  assert.deepEqual(r.verifyErrors, [], `fio verify failed: ${why}`);
  assert.deepEqual(q.failedRequests(mark), [], `QEMU failed requests: ${why}`);
  assert.ok(r.writeBytes > 0 && r.readBytes > 0, `fio wrote and verified: ${why}`);
  assert.ok(r.worstLatencyMs < HOST_TIMEOUT_S * 1000, `every request completed within the host's timeout (worst ${r.worstLatencyMs} ms): ${why}`);
}

test('QEMU through A0 across controller failures: kill, enable, kill the owner A forwards to, hang, failback manual and auto', { ...needs, timeout: 240_000 }, async (t) => {
  await t.test('kill the owner A: B takes over and serves A0', () => drill(t, 'kill A (owner)', 7, async () => {
    await ha.ok(['fault', 'kill-controller', 'A']);
    await ownerIs('B');
  }));
  await t.test('enable A: A0 goes home, A forwards to the owner B', () => drill(t, 'enable A', 8, async () => {
    await ha.ok(['controller', 'enable', 'A']);
    await online('A');
  }));
  await t.test('kill B while A forwards to it: the forwarded commands are held and run on A', () => drill(t, 'kill B (owner, A forwards)', 7, async () => {
    assert.equal(await ha.owner(), 'B');
    await ha.ok(['fault', 'kill-controller', 'B']);
    await ownerIs('A');
  }));
  await ha.ok(['controller', 'enable', 'B']);
  await online('B');
  await t.test('hang the owner A (SIGSTOP): heartbeat loss, lease, fence, B takes over', () => drill(t, 'hang A (owner)', 9, async () => {
    assert.equal(await ha.owner(), 'A');
    await ha.ok(['fault', 'hang-controller', 'A']);
    await ownerIs('B');
  }));
  await ha.ok(['controller', 'enable', 'A']);
  await online('A');
  await t.test('failback A (manual): a planned move under QEMU', () => drill(t, 'failback A', 6, async () => {
    await ha.ok(['controller', 'failback', 'A']);
    await ownerIs('A');
  }));
  await ha.ok(['volume', 'trespass', 'demo', '--to', 'B']);
  await t.test('hang B while A forwards to it', () => drill(t, 'hang B (owner, A forwards)', 9, async () => {
    await ha.ok(['fault', 'hang-controller', 'B']);
    await ownerIs('A');
  }));
  await ha.ok(['controller', 'enable', 'B']);
  await online('B');
  await t.test('failback auto: A killed, restarted by the supervisor, the volume back on A after the delay', () => drill(t, 'failback auto', 12, async () => {
    await ha.ok(['cluster', 'policy', 'set', '--failback', 'auto', '--failback-delay', '500']);
    await ha.ok(['fault', 'kill-controller', 'A']);
    await ownerIs('B');
    await online('A');
    await ownerIs('A');
  }));
  await ha.ok(['cluster', 'policy', 'set', '--failback', 'manual']);
});
