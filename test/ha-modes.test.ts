// VNX failover modes 0–4 ("VNX LUN Trespassing", the VNX note in docs/sources.md) on the dual-controller array,
// end to end: a real `tandem up --controllers 2`, our iSCSI initiator logging in through
// a port of A (the owner of volume demo) and a port of B (the non-owner), and the exact
// ALUA states (SPC-4 §6.37 REPORT TARGET PORT GROUPS), sense data (SPC-4 §4.5) and unit
// attentions (SPC-4 §5.16.2.6: an implicit ALUA transition raises ASYMMETRIC ACCESS
// STATE CHANGED 2Ah/06h on "every I_T nexus"; §6.45 SET TARGET PORT GROUPS: on every
// I_T nexus other than the one that sent it) a host sees.
// Prevents regressions in src/controller/failover-mode.ts (decideNonOwnerIo,
// AluaTrespassCounter), src/controller/runtime/ha-router.ts, ownership-mover.ts and peer-service.ts.
//
// One array for the whole file; each test starts from the same state (set by the CLI in
// beforeEach): host "mh" (the initiator under test) in mode 4, demo owned by A,
// auto-trespass off, ALUA threshold 64000. Sessions are opened after that reset and
// closed after each test, so every unit attention a test sees was raised by that test.
import test, { after, afterEach, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { InitiatorSession, scsi } from '../src/iscsi/initiator/index.js';
import { aluaStates, drainUas, senseOf, startHaArray, waitFor, type HaArray } from './support/ha.js';

const HOST_INI = 'iqn.2026-11.test:modes-host';
const OBS_A_INI = 'iqn.2026-11.test:modes-obs-a';
const OBS_B_INI = 'iqn.2026-11.test:modes-obs-b';
const NOT_READY_MANUAL = '2/4/03'; // LOGICAL UNIT NOT READY, MANUAL INTERVENTION REQUIRED (CLARiiON passive path)
const AAS_CHANGED = '2a/06'; // ASYMMETRIC ACCESS STATE CHANGED
const A_OWNS = { 1: 'active-optimized', 2: 'active-non-optimized' };
const B_OWNS = { 1: 'active-non-optimized', 2: 'active-optimized' };

let ha: HaArray;
let open: InitiatorSession[] = [];
let thresholdChanged = false;

before(async () => {
  ha = await startHaArray();
  await ha.ok(['host', 'create', 'mh', '--initiator', HOST_INI]);
});
after(async () => {
  await ha?.close();
});

beforeEach(async () => {
  await ha.ok(['host', 'set-failover-mode', 'mh', '4']);
  await ha.ok(['volume', 'auto-trespass', 'demo', 'off']);
  await ha.ok(['volume', 'trespass', 'demo', '--to', 'A']); // "already owned by A" when no test moved it
  if (thresholdChanged) await ha.ok(['cluster', 'policy', 'set', '--alua-threshold', '64000']);
  thresholdChanged = false;
});
afterEach(async () => {
  for (const s of open) await s.close().catch(() => undefined);
  open = [];
});

interface Nexuses {
  /** The host under test through B0 (the non-owner). */
  hostB: InitiatorSession;
  /** The same host through A0 (the owner). */
  hostA: InitiatorSession;
  /** Other hosts (default failover mode 4), one per controller. */
  obsA: InitiatorSession;
  obsB: InitiatorSession;
}

/** Logs in the four nexuses and clears their login-time UAs (while mh is still in mode 4, so TUR cannot trespass). */
async function nexuses(): Promise<Nexuses> {
  const n = {
    hostB: await ha.open('B0', HOST_INI),
    hostA: await ha.open('A0', HOST_INI),
    obsA: await ha.open('A1', OBS_A_INI),
    obsB: await ha.open('B1', OBS_B_INI),
  };
  open.push(...Object.values(n));
  for (const s of Object.values(n)) await drainUas(s);
  return n;
}

async function volume(): Promise<{ currentOwner: string; preferredOwner: string; autoTrespass: boolean }> {
  return JSON.parse(await ha.ok(['--json', 'volume', 'show', 'demo'])) as never;
}

async function setMode(mode: 0 | 1 | 2 | 3 | 4): Promise<void> {
  const h = JSON.parse(await ha.ok(['--json', 'host', 'set-failover-mode', 'mh', String(mode)])) as { failoverMode: number | null };
  assert.equal(h.failoverMode, mode);
}

/** The newest trespass event of demo in `tandem events --json` (the controller notes it to the supervisor asynchronously: waits up to 2 s for `want`). */
async function expectTrespassEvent(want: string): Promise<void> {
  let latest: string | undefined;
  await waitFor(`event "${want}"`, async () => {
    const es = JSON.parse(await ha.ok(['--json', 'events', '--limit', '200'])) as Array<{ short: string; severity: string }>;
    latest = es.find((e) => /volume demo trespassed/.test(e.short))?.short;
    return latest === want;
  }, 2000, 100).catch(() => undefined);
  assert.equal(latest, want, 'newest trespass event in tandem events --json');
}

/**
 * The unit attentions pending for a nexus, as "asc/ascq", consumed with TEST UNIT READY
 * (a TUR never trespasses, in any mode: it is a path check, not I/O).
 */
const uas = drainUas;

/** After a trespass of demo to B: every other nexus sees exactly one UA 2Ah/06h, and the states flipped. */
async function assertTrespassedToB(n: Nexuses, what: string): Promise<void> {
  assert.equal((await volume()).currentOwner, 'B', `${what}: volume show --json currentOwner`);
  assert.deepEqual(await uas(n.obsA), [AAS_CHANGED], `${what}: UA on another host's nexus through A`);
  assert.deepEqual(await uas(n.obsB), [AAS_CHANGED], `${what}: UA on another host's nexus through B`);
  assert.deepEqual(await uas(n.hostA), [AAS_CHANGED], `${what}: UA on the same host's nexus through A`);
  assert.deepEqual(await aluaStates(n.obsB), B_OWNS, `${what}: RTPG through B`);
  assert.deepEqual(await aluaStates(n.obsA), B_OWNS, `${what}: RTPG through A`);
}

test('INQUIRY TPGS=11b and REPORT TARGET PORT GROUPS fields through each controller', async () => {
  const n = await nexuses();
  for (const [via, s] of [['A', n.obsA], ['B', n.obsB]] as const) {
    const inq = await scsi.inquiry(s, 0);
    assert.equal(inq.tpgs, 3, `via ${via}: TPGS implicit and explicit`);
    assert.equal(inq.peripheralQualifier, 0);
    const { groups } = await scsi.reportTargetPortGroups(s, 0);
    assert.deepEqual(groups.map((g) => ({ id: g.id, state: g.state, pref: g.pref, supported: g.supported, ports: g.ports })), [
      { id: 1, state: 'active-optimized', pref: true, supported: 0x8f, ports: [1, 2] },
      { id: 2, state: 'active-non-optimized', pref: false, supported: 0x8f, ports: [3, 4] },
    ], `via ${via}: T_SUP U_SUP S_SUP AN_SUP AO_SUP; A (preferred owner) is group 1 with A0/A1`);
  }
});

test('mode 0, auto-trespass off: the LU exists on B (REPORT LUNS, INQUIRY) but media commands are NOT READY 04h/03h', async () => {
  const n = await nexuses();
  await setMode(0);
  assert.equal((await volume()).autoTrespass, false);
  assert.ok((await scsi.reportLuns(n.hostB)).includes(0), 'REPORT LUNS through B lists LUN 0');
  const inq = await scsi.inquiry(n.hostB, 0);
  assert.deepEqual([inq.peripheralQualifier, inq.peripheralDeviceType], [0, 0], 'INQUIRY through B: a connected direct-access LU');
  assert.equal(await senseOf(scsi.testUnitReady(n.hostB, 0)), NOT_READY_MANUAL, 'TEST UNIT READY');
  assert.equal(await senseOf(scsi.read10(n.hostB, 0, 0, 1)), NOT_READY_MANUAL, 'READ (10)');
  assert.equal(await senseOf(scsi.write10(n.hostB, 0, 0, Buffer.alloc(512))), NOT_READY_MANUAL, 'WRITE (10)');
  // As a CLARiiON passive path answers it (Linux logs "READ CAPACITY failed ... manual intervention required").
  assert.equal(await senseOf(scsi.readCapacity16(n.hostB, 0)), NOT_READY_MANUAL, 'READ CAPACITY (16)');
  assert.equal((await volume()).currentOwner, 'A', 'no trespass');
  assert.deepEqual(await uas(n.obsA), [], 'no UA elsewhere');
  assert.deepEqual(await aluaStates(n.obsB), A_OWNS, 'RTPG through B (mode 4 host): unchanged');
});

test('mode 0, auto-trespass on: a WRITE on B trespasses demo to B, succeeds, and raises 2Ah/06h everywhere', async () => {
  const n = await nexuses();
  await ha.ok(['volume', 'auto-trespass', 'demo', 'on']);
  await setMode(0);
  assert.equal((await volume()).autoTrespass, true);
  const data = randomBytes(4096);
  await scsi.write10(n.hostB, 0, 300, data);
  await assertTrespassedToB(n, 'mode 0 auto-trespass');
  assert.deepEqual(await uas(n.hostB), [AAS_CHANGED], 'implicit transition: UA also on the nexus whose I/O caused it (SPC-4 §5.16.2.6 every I_T nexus)');
  assert.deepEqual(await scsi.read10(n.obsA, 0, 300, 8), data, 'the write landed: read back through A (now the non-owner, forwarded)');
  await expectTrespassEvent('volume demo trespassed from A to B: I/O on the non-owner (failover mode 0 auto-trespass or 2 DMP)');
});

test('mode 1 passive not ready: TEST UNIT READY, READ and WRITE on B are NOT READY 04h/03h; no trespass', async () => {
  const n = await nexuses();
  await setMode(1);
  assert.equal((await scsi.inquiry(n.hostB, 0)).tpgs, 0, 'VNX: only failover mode 4 is ALUA; a mode 1 host sees TPGS 00b');
  assert.equal(await senseOf(scsi.reportTargetPortGroups(n.hostB, 0)), '5/20/00', 'no REPORT TARGET PORT GROUPS without ALUA');
  assert.equal((await scsi.inquiry(n.obsB, 0)).tpgs, 3, 'other hosts (mode 4) still see ALUA');
  assert.equal(await senseOf(scsi.testUnitReady(n.hostB, 0)), NOT_READY_MANUAL, 'TEST UNIT READY');
  assert.equal(await senseOf(scsi.read10(n.hostB, 0, 0, 1)), NOT_READY_MANUAL, 'READ (10)');
  assert.equal(await senseOf(scsi.write10(n.hostB, 0, 0, Buffer.alloc(512))), NOT_READY_MANUAL, 'WRITE (10)');
  assert.equal(await senseOf(scsi.read16(n.hostB, 0, 0, 1)), NOT_READY_MANUAL, 'READ (16)');
  assert.equal(await senseOf(scsi.read10(n.hostA, 0, 0, 1)), 'GOOD', 'the same host through the owner A is served');
  assert.equal((await volume()).currentOwner, 'A', 'no trespass');
  assert.deepEqual(await uas(n.obsA), []);
  assert.deepEqual(await uas(n.obsB), []);
  assert.deepEqual(await aluaStates(n.obsB), A_OWNS, 'RTPG through B (mode 4 host): unchanged');
});

test('mode 2 DMP: a READ on B trespasses demo to B, succeeds, and raises 2Ah/06h everywhere', async () => {
  const n = await nexuses();
  await setMode(2);
  assert.equal((await volume()).autoTrespass, false, 'mode 2 ignores the auto-trespass flag');
  assert.equal(await senseOf(scsi.testUnitReady(n.hostB, 0)), 'GOOD', 'a path check (TUR) on the non-owner');
  assert.equal((await volume()).currentOwner, 'A', 'TEST UNIT READY is not I/O: no trespass');
  assert.equal(await senseOf(scsi.read10(n.hostB, 0, 0, 1)), 'GOOD');
  await assertTrespassedToB(n, 'mode 2 DMP');
  assert.deepEqual(await uas(n.hostB), [AAS_CHANGED], 'implicit transition: UA also on the triggering nexus');
});

test('mode 3 passive always ready: TEST UNIT READY on B is GOOD, READ and WRITE NOT READY 04h/03h; no trespass', async () => {
  const n = await nexuses();
  await setMode(3);
  assert.equal(await senseOf(scsi.testUnitReady(n.hostB, 0)), 'GOOD', 'TEST UNIT READY');
  assert.equal(await senseOf(scsi.read10(n.hostB, 0, 0, 1)), NOT_READY_MANUAL, 'READ (10)');
  assert.equal(await senseOf(scsi.write10(n.hostB, 0, 0, Buffer.alloc(512))), NOT_READY_MANUAL, 'WRITE (10)');
  assert.equal((await volume()).currentOwner, 'A', 'no trespass');
  assert.deepEqual(await uas(n.obsA), []);
});

test('mode 4 ALUA: I/O on B is forwarded to A; RTPG through B: A active/optimized, B active/non-optimized', async () => {
  const n = await nexuses();
  await setMode(4);
  const data = randomBytes(8192);
  await scsi.write10(n.hostB, 0, 600, data);
  assert.deepEqual(await scsi.read10(n.hostA, 0, 600, 16), data, 'written through B, read through A');
  assert.deepEqual(await scsi.read10(n.hostB, 0, 600, 16), data, 'read through B (forwarded)');
  assert.equal(await senseOf(scsi.testUnitReady(n.hostB, 0)), 'GOOD');
  assert.deepEqual(await aluaStates(n.hostB), A_OWNS);
  assert.equal((await volume()).currentOwner, 'A', 'no trespass below the threshold');
  assert.deepEqual(await uas(n.obsA), []);
});

test('mode 4 ALUA: implicit trespass when B has served the threshold (200) more I/Os than A; I/O through A delays it', async (t) => {
  const n = await nexuses();
  await setMode(4);
  // A new threshold starts the count over (HaRouter.setThreshold) on both controllers.
  thresholdChanged = true;
  await ha.ok(['cluster', 'policy', 'set', '--alua-threshold', '200']);
  const owner = async () => (await volume()).currentOwner;
  const reads = async (s: InitiatorSession, count: number, via: string) => {
    for (let i = 0; i < count; i++) {
      const r = await senseOf(scsi.read10(s, 0, i % 64, 1));
      if (r !== 'GOOD') assert.fail(`READ #${i + 1} of ${count} through ${via}: ${r} (owner now ${await owner()})`);
    }
  };
  const t0 = Date.now();
  await reads(n.hostB, 150, 'B');
  assert.equal(await owner(), 'A', 'B 150, A 0: below the threshold');
  await reads(n.hostA, 100, 'A');
  await reads(n.hostB, 149, 'B');
  // B 299, A 100: 199 more. Counting only B's (or only forwarded) I/O would have trespassed at B's 200th.
  assert.equal(await owner(), 'A', 'B 299, A 100 (199 more): the I/O through A must have delayed the trespass');
  await reads(n.hostB, 1, 'B');
  const took = await waitFor('implicit trespass to B', async () => (await ha.owner()) === 'B', 5000, 20);
  t.diagnostic(`449 READs + trespass in ${Date.now() - t0} ms (trespass seen ${took} ms after the 200th surplus I/O)`);
  await expectTrespassEvent('volume demo trespassed from A to B: ALUA implicit, 200 I/O threshold');
  await assertTrespassedToB(n, 'ALUA implicit trespass');
  assert.deepEqual(await uas(n.hostB), [AAS_CHANGED], 'implicit transition: UA on the nexus through B too');
  assert.deepEqual(await aluaStates(n.hostB), B_OWNS);
});

test('SET TARGET PORT GROUPS through B asking group 2 (B) active/optimized moves demo to B (explicit ALUA)', async () => {
  const n = await nexuses();
  await scsi.setTargetPortGroups(n.hostB, 0, [{ id: 2, state: 'active-optimized' }]);
  assert.equal((await volume()).currentOwner, 'B');
  assert.deepEqual(await uas(n.hostB), [], 'SPC-4 §6.45: no UA on the nexus that sent SET TARGET PORT GROUPS');
  assert.deepEqual(await uas(n.obsA), [AAS_CHANGED], 'UA on the other nexuses');
  assert.deepEqual(await aluaStates(n.hostB), B_OWNS);
  await expectTrespassEvent('volume demo trespassed from A to B: ALUA explicit (SET TARGET PORT GROUPS from a host)');
});
