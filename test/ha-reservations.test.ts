// Reservations that live in the array, judged by a host we did not write: libiscsi
// through test/peers/pr-client.c (docs/ha.md «LU state belongs to the array», «Nexus
// events reach the owner»). Two initiators: I1 registers 0x1111 through A0, I2 registers
// 0x2222 through B0 and reserves WRITE EXCLUSIVE. Through every port the PR picture —
// generation, keys, holder, type — must be identical before and after each drill: owner
// kill, controller enable, failback (manual and auto), hang, trespass, volume move, SET
// TARGET PORT GROUPS, port down/up, back-end failure and repair, peer link cut and
// restore (with a PR OUT acknowledged while the link is cut, then the owner's death), and
// conflicts must be the same everywhere: I1's WRITE conflicts, I2's succeeds. Then
// PREEMPT AND ABORT through each of A0, A1, B0, B1 (with REGISTRATIONS PREEMPTED reaching
// a preempted host that logs in again later), SPC-2 RESERVE across a trespass and across
// the death of the holder's controller, and MODE SELECT values across a failover.
import test, { after, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startHaArray, waitFor, type HaArray } from './support/ha.js';
import { requireTools } from './support/peer-tools.js';
import { buildPrClient, prClient, prClientInBackground, type PrHost, type PrOpResult } from './support/pr-client.js';

const PORTS = ['A0', 'A1', 'B0', 'B1'] as const;
type Port = (typeof PORTS)[number];
const I1: PrHost = { name: 'iqn.2026-11.test:pr-host1', isid: 0x11 };
const I2: PrHost = { name: 'iqn.2026-11.test:pr-host2', isid: 0x22 };
const WE = 1;

let ha: HaArray;
const url = (p: Port) => `iscsi://127.0.0.1:${ha.ports[p]}/${ha.arr.iqn}/0`;
const pr = (p: Port, h: PrHost, ops: string[]) => prClient(url(p), h, ops);

interface Picture { generation: number; keys: string[]; holder: string | null; type: number | null }

async function picture(p: Port): Promise<Picture> {
  const [k, r] = await pr(p, I1, ['read-keys', 'read-reservation']);
  if (k?.status !== 'GOOD' || r?.status !== 'GOOD') throw new Error(`PR IN through ${p}: ${JSON.stringify([k, r])}`);
  return { generation: k.generation!, keys: [...k.keys!].sort(), holder: r.key ?? null, type: r.type ?? null };
}

const status = (r: PrOpResult[]): string => r.map((x) => x.status).join(',');

/** The same picture through every port (waiting for the ports to settle after a drill), and the same conflicts. */
async function unchanged(what: string, want: Picture): Promise<void> {
  for (const p of PORTS) {
    let got: Picture | undefined;
    await waitFor(`${what}: PR IN through ${p}`, async () => { got = await picture(p); return true; }, 20_000, 250)
      .catch((err: Error) => { throw new Error(`${err.message}\n${ha.tail()}`); });
    assert.deepEqual(got, want, `${what}: the PR picture through ${p}`);
  }
  assert.equal(status(await pr('A0', I1, ['write:8'])), 'RESERVATION_CONFLICT', `${what}: I1 (registrant, not holder) cannot write`);
  assert.equal(status(await pr('B0', I2, ['write:8'])), 'GOOD', `${what}: I2 (holder) writes`);
}

type Ctl = { name: string; state: string; volumesOwned: string[] };
const ctl = async (name: string) => (await ha.arr.api<Ctl[]>('GET', '/v1/controllers')).body.find((c) => c.name === name)!;
const ownerIs = (c: string, ms = 20_000) => waitFor(`demo owned by ${c}`, async () => (await ha.owner()) === c, ms, 100);
const online = (c: string) => waitFor(`controller ${c} online`, async () => (await ctl(c)).state === 'online', 30_000, 100);

let base: Picture;

const tools = requireTools('cc', 'libiscsi-dev');

before(async () => {
  if (Object.keys(tools).length > 0) return; // the tests report the missing peer
  await buildPrClient();
  ha = await startHaArray();
  if ((await ha.owner()) !== 'A') await ha.ok(['volume', 'trespass', 'demo', '--to', 'A']);
  assert.equal(status(await pr('A0', I1, ['register:1111'])), 'GOOD');
  assert.equal(status(await pr('B0', I2, ['register:2222', `reserve:2222:${WE}`])), 'GOOD,GOOD');
  base = await picture('A0');
});
after(async () => {
  await ha?.close();
});

// Each drill starts from the setup's registrations and reservation, so that a drill that
// loses them fails alone (REGISTER AND IGNORE EXISTING KEY bumps the generation: `base`
// is read again).
let drills = 0;
beforeEach(async () => {
  if (!ha || !base || drills++ === 0) return; // the setup test checks the state before() made
  for (const c of ['A', 'B']) {
    if ((await ctl(c)).state === 'online') continue;
    await ha.ok(['controller', 'enable', c]);
    await online(c);
  }
  if ((await ha.owner()) !== 'A') await ha.ok(['volume', 'trespass', 'demo', '--to', 'A']);
  const now = await picture('A0').catch(() => undefined);
  if (now && now.holder === '2222' && now.type === WE && now.keys.join() === '1111,2222') return;
  assert.equal(status(await pr('A0', I1, ['register:1111', 'clear:1111', 'register:1111'])), 'GOOD,GOOD,GOOD');
  assert.equal(status(await pr('B0', I2, ['register:2222', `reserve:2222:${WE}`])), 'GOOD,GOOD');
  base = await picture('A0');
});

test('setup: I1 and I2 registered, I2 holds WRITE EXCLUSIVE; the same through every port', tools, async () => {
  assert.deepEqual(base, { generation: 2, keys: ['1111', '2222'], holder: '2222', type: WE });
  await unchanged('setup', base);
});

test('owner killed, then enabled, then failed back: the reservation survives each step (the failback was where it vanished)', tools, async () => {
  await ha.ok(['fault', 'kill-controller', 'A']);
  await ownerIs('B');
  await unchanged('A killed, B took over', base);
  await ha.ok(['controller', 'enable', 'A']);
  await online('A');
  assert.equal(await ha.owner(), 'B', 'failback manual');
  await unchanged('A enabled (B still owns demo)', base);
  await ha.ok(['controller', 'failback', 'A']);
  assert.equal(await ha.owner(), 'A');
  await unchanged('failed back to the restarted A', base);
});

test('owner hung (SIGSTOP), fenced, taken over; enabled and failed back', tools, async () => {
  await ha.ok(['fault', 'hang-controller', 'A']);
  await ownerIs('B', 30_000);
  await unchanged('A hung, B took over', base);
  await ha.ok(['controller', 'enable', 'A']);
  await online('A');
  await ha.ok(['controller', 'failback', 'A']);
  await unchanged('failed back after the hang', base);
});

test('failback auto: the supervisor restarts the killed owner and it gets its volume back with the reservation', tools, async () => {
  await ha.ok(['cluster', 'policy', 'set', '--failback', 'auto', '--failback-delay', '300']);
  try {
    await ha.ok(['fault', 'kill-controller', 'A']);
    await ownerIs('B');
    await waitFor('A restarted and demo back on A', async () => (await ctl('A')).state === 'online' && (await ha.owner()) === 'A', 40_000, 200);
    await unchanged('automatic restart and failback', base);
  } finally {
    await ha.ok(['cluster', 'policy', 'set', '--failback', 'manual']);
  }
});

test('trespass, volume move and SET TARGET PORT GROUPS move the volume, never the reservation', tools, async () => {
  await ha.ok(['volume', 'trespass', 'demo', '--to', 'B']);
  await unchanged('trespass to B', base);
  await ha.ok(['volume', 'trespass', 'demo', '--to', 'A']);
  await unchanged('trespass back to A', base);
  await ha.ok(['volume', 'move', 'demo', '--to', 'B']);
  assert.equal(await ha.owner(), 'B');
  await unchanged('volume move to B', base);
  await ha.ok(['volume', 'move', 'demo', '--to', 'A']);
  await unchanged('volume move back to A', base);
  // SET TARGET PORT GROUPS is a command the reservation holder may send (SPC-4 §5.9.1: it conflicts for others).
  assert.equal(status(await pr('B0', I2, ['stpg:2'])), 'GOOD');
  assert.equal(await ha.owner(), 'B');
  await unchanged('SET TARGET PORT GROUPS to B', base);
  assert.equal(status(await pr('B0', I1, ['stpg:2'])), 'RESERVATION_CONFLICT', 'a non-holder may not');
  assert.equal(status(await pr('B0', I2, ['stpg:1'])), 'GOOD');
  assert.equal(await ha.owner(), 'A');
  await unchanged('SET TARGET PORT GROUPS back to A', base);
});

test('port down and up: one port (local address move), both ports (A fails over to B), repair and failback', tools, async () => {
  await ha.ok(['fault', 'port-down', 'A0']);
  await unchanged('A0 down (its address on A1)', base);
  await ha.ok(['fault', 'port-down', 'A1']);
  await ownerIs('B');
  await unchanged('A0 and A1 down (A failed over to B)', base);
  await ha.ok(['fault', 'port-up', 'A1']);
  await ha.ok(['fault', 'port-up', 'A0']);
  await unchanged('ports up, demo still on B', base);
  if ((await ha.owner()) !== 'A') await ha.ok(['controller', 'failback', 'A']);
  await unchanged('failed back after the port repair', base);
});

test('back-end failure of the owner and its repair', tools, async () => {
  await ha.ok(['fault', 'backend-fail', 'A']);
  assert.equal(await ha.owner(), 'B');
  await unchanged('back end failed on A', base);
  await ha.ok(['fault', 'backend-repair', 'A']);
  await ownerIs('A');
  await unchanged('back end repaired', base);
});

test('peer link cut: a PR OUT the owner acknowledges alone is one the survivor knows after the owner dies', tools, async () => {
  const I3: PrHost = { name: 'iqn.2026-11.test:pr-host3', isid: 0x33 };
  await ha.ok(['fault', 'peer-link-cut']);
  try {
    let seen: PrOpResult[] = [];
    await waitFor('B standby', async () => {
      seen = await pr('B0', I1, ['read-keys']);
      return seen[0]?.sense === '2/04/0b';
    }, 20_000, 200).catch((err: Error) => { throw new Error(`${err.message}: ${JSON.stringify(seen)}\n${ha.tail()}`); });
    assert.deepEqual(await picture('A0'), base, 'the owner still answers');
    assert.equal(status(await pr('A0', I3, ['register:3333'])), 'GOOD', 'acknowledged by A with the peer link down');
    const withI3 = { ...base, generation: base.generation + 1, keys: ['1111', '2222', '3333'] };
    assert.deepEqual(await picture('A1'), withI3);
    await ha.ok(['fault', 'kill-controller', 'A']);
    await ownerIs('B');
    await unchanged('A died with the link cut: B took over', withI3);
  } finally {
    await ha.ok(['fault', 'peer-link-restore']);
  }
  await ha.ok(['controller', 'enable', 'A']);
  await online('A');
  await ha.ok(['controller', 'failback', 'A']);
  assert.equal(status(await pr('A0', I3, ['unregister:3333'])), 'GOOD');
  base = { ...base, generation: base.generation + 2 };
  await unchanged('link restored, A back, I3 gone', base);
});

test('peer link cut and restored with both alive: nothing changes', tools, async () => {
  await ha.ok(['fault', 'peer-link-cut']);
  try {
    assert.deepEqual(await picture('A0'), base);
  } finally {
    await ha.ok(['fault', 'peer-link-restore']);
  }
  await unchanged('peer link restored', base);
});

test('PREEMPT AND ABORT through each port: the same outcome, and the preempted host hears REGISTRATIONS PREEMPTED when it comes back', tools, async () => {
  for (const [i, p] of PORTS.entries()) {
    const host: PrHost = { name: `iqn.2026-11.test:pr-preempt-${p.toLowerCase()}`, isid: 0x40 + i };
    const key = `a${i}`;
    assert.equal(status(await pr(p, host, [`register:${key}`, `preempt-abort:${key}:2222:${WE}`])), 'GOOD,GOOD', `PREEMPT AND ABORT through ${p}`);
    const taken = await picture(p);
    assert.deepEqual({ keys: taken.keys, holder: taken.holder, type: taken.type }, { keys: ['1111', key], holder: key, type: WE }, `through ${p}: I2 preempted`);
    const back = await pr('B0', I2, ['write:8']);
    assert.deepEqual(back[0]?.uas, ['2a/05'], `I2 logs in again after the preempt through ${p}: REGISTRATIONS PREEMPTED first`);
    assert.equal(back[0]?.status, 'RESERVATION_CONFLICT', `through ${p}: I2 is no holder any more`);
    assert.equal(status(await pr('B0', I2, ['register:2222', `preempt-abort:2222:${key}:${WE}`])), 'GOOD,GOOD');
    const gone = await pr(p, host, ['write:8']);
    assert.deepEqual([gone[0]?.uas, gone[0]?.status], [['2a/05'], 'RESERVATION_CONFLICT'], `the host preempted back through ${p}`);
    base = await picture('A0');
    assert.deepEqual({ keys: base.keys, holder: base.holder, type: base.type }, { keys: ['1111', '2222'], holder: '2222', type: WE });
  }
  await unchanged('after four PREEMPT AND ABORTs', base);
});

test('reservation conflicts are the same through every port: WRITE conflicts for every non-holder nexus, READ does not', tools, async () => {
  const other: PrHost = { name: 'iqn.2026-11.test:pr-stranger', isid: 0x77 };
  for (const p of PORTS) {
    assert.equal(status(await pr(p, other, ['write:8', 'read:8'])), 'RESERVATION_CONFLICT,GOOD', `an unregistered host through ${p}`);
    if (p !== 'A0') assert.equal(status(await pr(p, I1, ['write:8', 'read:8'])), 'RESERVATION_CONFLICT,GOOD', `I1's unregistered nexus through ${p}`);
    if (p !== 'B0') assert.equal(status(await pr(p, I2, ['write:8'])), 'RESERVATION_CONFLICT', `I2's nexus through ${p} is not the holder's`);
  }
  assert.equal(status(await pr('B0', I2, ['write:8'])), 'GOOD');
});

test('mode parameters set by MODE SELECT survive a takeover and a failback', tools, async () => {
  assert.equal(status(await pr('A0', I1, ['set-wce:0'])), 'RESERVATION_CONFLICT', 'MODE SELECT conflicts for a non-holder (SPC-4 §5.9.1)');
  assert.equal(status(await pr('B0', I2, ['set-wce:0'])), 'GOOD');
  for (const p of PORTS) assert.equal((await pr(p, I1, ['wce']))[0]?.wce, 0, `WCE through ${p}`);
  await ha.ok(['fault', 'kill-controller', 'A']);
  await ownerIs('B');
  await waitFor('WCE through A0 (on B)', async () => (await pr('A0', I1, ['wce']))[0]?.wce === 0, 20_000, 250);
  assert.equal((await pr('B1', I1, ['wce']))[0]?.wce, 0, 'after the takeover');
  await ha.ok(['controller', 'enable', 'A']);
  await online('A');
  await ha.ok(['controller', 'failback', 'A']);
  for (const p of PORTS) assert.equal((await pr(p, I1, ['wce']))[0]?.wce, 0, `after the failback, through ${p}`);
  assert.equal(status(await pr('B0', I2, ['set-wce:1'])), 'GOOD');
  await unchanged('after the MODE SELECT drill', base);
});

test('SPC-2 RESERVE: kept across a trespass while its nexus lives, released when the controller its nexus was on dies', tools, async () => {
  assert.equal(status(await pr('B0', I2, ['clear:2222'])), 'GOOD', 'no persistent reservation for the SPC-2 part');
  const H: PrHost = { name: 'iqn.2026-11.test:spc2-holder', isid: 0x55 };
  const O: PrHost = { name: 'iqn.2026-11.test:spc2-other', isid: 0x56 };
  // A holder through A0 (the owner's port) keeps its RESERVE while the volume trespasses.
  const held = await prClientInBackground(url('A0'), H, ['reserve6', 'wait:10000', 'tur']);
  await held.firstLine;
  assert.equal(status(await pr('B1', O, ['reserve6'])), 'RESERVATION_CONFLICT');
  await ha.ok(['volume', 'trespass', 'demo', '--to', 'B']);
  assert.equal(status(await pr('B1', O, ['reserve6', 'write:8'])), 'RESERVATION_CONFLICT,RESERVATION_CONFLICT', 'the new owner knows the holder');
  await ha.ok(['volume', 'trespass', 'demo', '--to', 'A']);
  assert.equal(status(await held.done), 'GOOD,GOOD,GOOD');
  assert.equal(status(await pr('B1', O, ['reserve6', 'release6'])), 'GOOD,GOOD', 'the holder logged out: released');
  // A holder through B0 (the non-owner): B dies, its nexuses with it.
  const onB = await prClientInBackground(url('B0'), H, ['reserve6', 'wait:30000']);
  await onB.firstLine;
  assert.equal(status(await pr('A1', O, ['reserve6'])), 'RESERVATION_CONFLICT');
  await ha.ok(['fault', 'kill-controller', 'B']);
  await onB.done.catch(() => undefined); // its connection died with B
  await waitFor('A took over from B', async () => (await ctl('B')).state !== 'online', 10_000, 100);
  await waitFor('the dead nexus\'s RESERVE released', async () => status(await pr('A1', O, ['reserve6'])) === 'GOOD', 10_000, 250);
  assert.equal(status(await pr('A1', O, ['release6'])), 'GOOD');
  await ha.ok(['controller', 'enable', 'B']);
  await online('B');
  assert.equal(await ha.owner(), 'A');
});
