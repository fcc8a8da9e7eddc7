// Port and controller address failover of the dual-controller array, per DS300 ipFailover
// mode (DS300 note "iSCSI Fail over", "Controller iSCSI ipfailover modes", docs/sources.md): real controller
// processes (`tandem up --controllers 2`), `tandem fault port-down|port-up`, and what a
// host sees through real iSCSI connections (our initiator): which address accepts a
// login, the TPGT in the login response, SendTargets, REPORT TARGET PORT GROUPS,
// unit attentions, `controller list --json` servedBy, ownership and the event log.
// One array for all four modes (`tandem controller set-ipfailover` between scenarios).
// Prevents regressions in src/supervisor/address-plan.ts, addresses.ts and
// src/controller/runtime/controller-listeners.ts.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { discover, randomIsid, scsi, type InitiatorSession } from '../src/iscsi/initiator/index.js';
import { InitiatorConnection } from '../src/iscsi/initiator/connection.js';
import { LoginFlow } from '../src/iscsi/initiator/login-flow.js';
import { runLogin } from '../src/iscsi/initiator/login-runner.js';
import { aluaStates, drainUas, startHaArray, type HaArray } from './support/ha.js';
import type { RunningArray } from './support/tandem.js';

const PORTS = ['A0', 'A1', 'B0', 'B1'] as const;
type PortName = (typeof PORTS)[number];
const HOME_TPGT: Record<PortName, number> = { A0: 1, A1: 2, B0: 3, B1: 4 };
let ha: HaArray;
let arr: RunningArray;
let ports: Record<PortName, number>;

before(async () => {
  ha = await startHaArray();
  arr = ha.arr;
  ports = ha.ports as Record<PortName, number>;
});
after(() => ha?.close());

let nextIni = 0;
const open = (port: PortName): Promise<InitiatorSession> => ha.open(port, `iqn.2026-11.test:ipfo-${nextIni++}`, { loginTimeout: 3000 });

/** A Normal login to the address of `port`: the TargetPortalGroupTag the target declared, or 'refused'. */
async function loginTpgt(port: PortName): Promise<number | 'refused'> {
  let conn: InitiatorConnection;
  try {
    conn = await InitiatorConnection.open('127.0.0.1', ports[port], 262144, 3000);
  } catch {
    return 'refused';
  }
  try {
    const flow = new LoginFlow({ initiatorName: 'iqn.2026-11.test:ipfo-tpgt', targetName: arr.iqn, sessionType: 'Normal', random: randomBytes });
    const r = await runLogin(conn, flow, { isid: randomIsid(), tsih: 0, cid: 0, cmdSN: 1, itt: 1 }, 3000);
    return Number(r.targetKeys.get('TargetPortalGroupTag'));
  } finally {
    conn.close('test done');
  }
}
const tpgts = async () => Object.fromEntries(await Promise.all(PORTS.map(async (p) => [p, await loginTpgt(p)] as const)));

const settle = drainUas;
const rtpg = aluaStates;
const cli = (args: string[]): Promise<string> => ha.ok(args);
async function servedBy(): Promise<Record<string, string | null>> {
  const list = JSON.parse(await cli(['--json', 'controller', 'list'])) as Array<{ ports: Array<{ name: string; servedBy: string | null }> }>;
  return Object.fromEntries(list.flatMap((c) => c.ports.map((p) => [p.name, p.servedBy])));
}
const HOME = { A0: 'A0', A1: 'A1', B0: 'B0', B1: 'B1' };
const owner = (): Promise<string> => ha.owner();
const fault = (kind: 'port-down' | 'port-up', port: PortName) => cli(['fault', kind, port]);
const events = async () => JSON.stringify((await arr.api<unknown[]>('GET', '/v1/events?limit=200')).body);
const openAlerts = async () => JSON.stringify((await arr.api<Array<{ clearedAt: string | null }>>('GET', '/v1/alerts')).body.filter((a) => a.clearedAt === null));

async function closedSoon(s: InitiatorSession): Promise<boolean> {
  for (let i = 0; i < 50 && s.state === 'up'; i++) await new Promise((r) => setTimeout(r, 20));
  return s.state !== 'up';
}

test('set-ipfailover: validated (field and valid values named), shown by controller show', async () => {
  const bad = await arr.cli(['controller', 'set-ipfailover', 'A', 'sideways']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr + bad.stdout, /ipFailover must be one of local, remote, both, none/);
  const r = await arr.api<{ error?: { field?: string } }>('PATCH', '/v1/controllers/A', { ipFailover: 7 });
  assert.equal(r.status, 400);
  assert.equal((await arr.api('PATCH', '/v1/controllers/Z', { ipFailover: 'local' })).status, 404);
  assert.match(await cli(['controller', 'set-ipfailover', 'A', 'local']), /controller A ipFailover local/);
  assert.match(await cli(['controller', 'show', 'A']), /IP failover:\s+local/);
  assert.deepEqual(await servedBy(), HOME);
  assert.deepEqual(await tpgts(), HOME_TPGT, 'every address answers with its own portal group tag');
});

test('local: A0 link down moves its address to A1 (same TPGT, volume stays on A); port-up returns it', async () => {
  const before = await open('A1');
  await settle(before);
  assert.match(await fault('port-down', 'A0'), /served by port A1 of controller A \(local port failover\)/);
  assert.deepEqual(await servedBy(), { ...HOME, A0: 'A1' });
  assert.deepEqual(await tpgts(), HOME_TPGT, 'A0\'s address still logs in, still TPGT 1');
  const s = await open('A0');
  await settle(s);
  assert.deepEqual(await rtpg(s), { 1: 'active-optimized', 2: 'active-non-optimized' });
  assert.equal(await owner(), 'A');
  assert.deepEqual(await settle(before), [], 'A1\'s own session untouched, no ALUA change');
  const listed = (await discover('127.0.0.1', ports.A0, { initiatorName: 'iqn.2026-11.test:ipfo-disc' }))[0]!.portals.map((p) => `${p.port},${p.tpgt}`).sort();
  assert.deepEqual(listed, PORTS.map((p) => `${ports[p]},${HOME_TPGT[p]}`).sort(), 'SendTargets lists every address with its home TPGT');
  assert.match(await fault('port-up', 'A0'), /port A0 link up: .* served by port A0 of controller A/);
  assert.deepEqual(await servedBy(), HOME);
});

test('remote: one port of A down fails A over: both addresses on B\'s corresponding ports, volume on B, UA 2Ah/06h', async () => {
  await cli(['controller', 'set-ipfailover', 'A', 'remote']);
  const onA = await open('A1');
  const onB = await open('B0');
  await settle(onA);
  await settle(onB);
  const data = randomBytes(4096);
  await scsi.write10(onA, 0, 300, data);
  assert.match(await fault('port-down', 'A0'), /controller A failed over \(ipFailover remote\)/);
  assert.deepEqual(await servedBy(), { A0: 'B0', A1: 'B1', B0: 'B0', B1: 'B1' });
  assert.equal(await owner(), 'B');
  assert.ok(await closedSoon(onA), 'the connection through A\'s address on A was dropped');
  assert.deepEqual(await settle(onB), ['2a/06']);
  assert.deepEqual(await tpgts(), HOME_TPGT, 'A\'s addresses answer on B with A\'s portal group tags');
  const viaA1 = await open('A1');
  await settle(viaA1);
  assert.deepEqual(await rtpg(viaA1), { 1: 'active-optimized', 2: 'active-optimized' }, 'A\'s group reports B\'s state (B hosts it)');
  assert.deepEqual(await scsi.read10(viaA1, 0, 300, 8), data);
  assert.match(await events(), /controller A failed over to B: ipFailover remote, port A0 link down/);
  assert.match(await openAlerts(), /controller A failed over to B/);
  // Repair: addresses home; failback is manual ⇒ the volume stays on B until `controller failback A`.
  await fault('port-up', 'A0');
  assert.deepEqual(await servedBy(), HOME);
  assert.equal(await owner(), 'B');
  assert.match(await openAlerts(), /tandem controller failback A/);
  assert.doesNotMatch(await openAlerts(), /controller A failed over to B/);
  await cli(['controller', 'failback', 'A']);
  assert.equal(await owner(), 'A');
  const back = await open('A0');
  await settle(back);
  assert.deepEqual(await rtpg(back), { 1: 'active-optimized', 2: 'active-non-optimized' });
});

test('both: single failure local, double remote to B\'s corresponding ports, triple onto B\'s remaining port', async () => {
  await cli(['controller', 'set-ipfailover', 'A', 'both']);
  await fault('port-down', 'A0');
  assert.deepEqual(await servedBy(), { ...HOME, A0: 'A1' });
  assert.equal(await owner(), 'A');
  assert.match(await fault('port-down', 'A1'), /controller A failed over \(ipFailover both\)/);
  assert.deepEqual(await servedBy(), { A0: 'B0', A1: 'B1', B0: 'B0', B1: 'B1' });
  assert.equal(await owner(), 'B');
  await fault('port-down', 'B0');
  assert.deepEqual(await servedBy(), { A0: 'B1', A1: 'B1', B0: 'B1', B1: 'B1' });
  assert.deepEqual(await tpgts(), HOME_TPGT, 'all four addresses on B1, each with its own TPGT');
  const s = await open('A0');
  await settle(s);
  assert.deepEqual(await rtpg(s), { 1: 'active-optimized', 2: 'active-optimized' });
  for (const p of ['B0', 'A1', 'A0'] as const) await fault('port-up', p);
  assert.deepEqual(await servedBy(), HOME);
  await cli(['controller', 'failback', 'A']);
  assert.equal(await owner(), 'A');
});

test('none: a down port\'s address is simply not served; port-up serves it again', async () => {
  await cli(['controller', 'set-ipfailover', 'A', 'none']);
  const s = await open('A0');
  await settle(s);
  assert.match(await fault('port-down', 'A0'), /not served/);
  assert.deepEqual(await servedBy(), { ...HOME, A0: null });
  assert.ok(await closedSoon(s), 'the session through A0 was dropped');
  assert.equal(await loginTpgt('A0'), 'refused');
  assert.equal(await loginTpgt('A1'), 2);
  assert.equal(await owner(), 'A', 'no controller failover');
  const offered = async () => (await discover('127.0.0.1', ports.B0, { initiatorName: 'iqn.2026-11.test:ipfo-disc' }))[0]!.portals.map((p) => p.port).sort();
  assert.deepEqual(await offered(), [ports.A1, ports.B0, ports.B1].sort(), 'SendTargets does not offer an address nobody serves');
  await fault('port-up', 'A0');
  assert.equal(await loginTpgt('A0'), 1);
  assert.deepEqual(await offered(), [ports.A0, ports.A1, ports.B0, ports.B1].sort());
  assert.deepEqual(await servedBy(), HOME);
});

test('remote with failback auto: after port-up the volume returns to A by itself', async () => {
  await cli(['controller', 'set-ipfailover', 'A', 'remote']);
  assert.equal((await arr.api('PATCH', '/v1/cluster/policy', { failback: 'auto', failbackDelayMs: 0 })).status, 200);
  try {
    await fault('port-down', 'A1');
    assert.deepEqual(await servedBy(), { A0: 'B0', A1: 'B1', B0: 'B0', B1: 'B1' });
    assert.equal(await owner(), 'B');
    await fault('port-up', 'A1');
    let o = await owner();
    for (let i = 0; i < 40 && o !== 'A'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      o = await owner();
    }
    assert.equal(o, 'A');
    assert.doesNotMatch(await openAlerts(), /controller A failed over|controller failback A/);
  } finally {
    await arr.api('PATCH', '/v1/cluster/policy', { failback: 'manual' });
    await cli(['controller', 'set-ipfailover', 'A', 'both']);
  }
});
