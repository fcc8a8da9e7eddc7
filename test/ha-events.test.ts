// The event log of the default dual-controller array (controllers A and B in their own
// processes) shows what the data path did, with the entries the single-controller array
// writes: each login and logout, a refused login with its reason, a session
// reinstatement, each task management function and each reset — driven by third-party
// initiators (libiscsi's iscsi-inq, iscsi-ls, and iscsi-test-cu's SCSI.Reserve6.LUNReset,
// which sends a LUN RESET) and, for the reinstatement, our own initiator (it can log in
// twice with one ISID). Also: the API lists a session that just logged in at once.
// Prevents the two-controller array dropping its controllers' data-path events (before,
// only `--controllers 1` recorded them) and `/v1/sessions` answering a stale list.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { InitiatorSession } from '../src/iscsi/initiator/index.js';
import { parseCuOutput } from './support/cu-results.js';
import { startHaArray, waitFor, type HaArray } from './support/ha.js';
import { requireTools } from './support/peer-tools.js';
import { run } from './support/run.js';

interface EventEntry { severity: string; category: string; actor: string; short: string }

let ha: HaArray;
before(async () => { ha = await startHaArray(); });
after(async () => { await ha?.close(); });

const url = (port: string) => `iscsi://127.0.0.1:${ha.ports[port]}/${ha.arr.iqn}/0`;
const events = async (): Promise<EventEntry[]> => (await ha.arr.api<EventEntry[]>('GET', '/v1/events?limit=1000')).body;
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The event matching `want` (the controllers send theirs to the supervisor asynchronously: waits up to 5 s). */
async function logged(want: { severity: string; category: string; actor: string; short: RegExp }): Promise<EventEntry> {
  let found: EventEntry | undefined;
  await waitFor(`event ${want.short}`, async () => {
    found = (await events()).find((e) => e.severity === want.severity && e.category === want.category && e.actor === want.actor && want.short.test(e.short));
    return found !== undefined;
  }, 5000).catch((err: Error) => assert.fail(`${err.message}\n${ha.tail()}`));
  return found!;
}

test('a third-party login and logout through a port of each controller are logged', requireTools('iscsi-inq'), async () => {
  for (const [port, ini] of [['A0', 'iqn.2026-11.test:ev-a'], ['B1', 'iqn.2026-11.test:ev-b']] as const) {
    const r = await run('iscsi-inq', ['-i', ini, url(port)]);
    assert.equal(r.code, 0, r.stderr);
    await logged({ severity: 'info', category: 'session', actor: ini, short: new RegExp(`^login: ${esc(ini)}: Normal session TSIH \\d+ from 127\\.0\\.0\\.1:\\d+$`) });
    await logged({ severity: 'info', category: 'session', actor: ini, short: new RegExp(`^logout: ${esc(ini)}: session TSIH \\d+ closed by the initiator$`) });
  }
});

test('a login refused by CHAP is a warning with its reason: wrong secret, and no CHAP at all', requireTools('iscsi-ls'), async () => {
  const ini = 'iqn.2026-11.test:ev-chap';
  await ha.ok(['host', 'create', 'evchap', '--initiator', ini, '--chap-user', 'evuser', '--chap-secret', 'secret-of-ev-1234']);
  const wrong = await run('iscsi-ls', ['-i', ini, '-s', `iscsi://evuser%wrong-secret-0000@127.0.0.1:${ha.ports.B0}`]);
  assert.notEqual(wrong.code, 0, 'a wrong CHAP secret must not log in');
  await logged({ severity: 'warning', category: 'session', actor: ini, short: new RegExp(`^login-failed: ${esc(ini)}: 127\\.0\\.0\\.1:\\d+: CHAP response does not match the secret$`) });
  const none = await run('iscsi-ls', ['-i', ini, '-s', `iscsi://127.0.0.1:${ha.ports.A1}`]);
  assert.notEqual(none.code, 0, 'no CHAP must not log in');
  await logged({ severity: 'warning', category: 'session', actor: ini, short: new RegExp(`^login-failed: ${esc(ini)}: 127\\.0\\.0\\.1:\\d+: CHAP is required but the security stage was skipped$`) });
  const right = await run('iscsi-ls', ['-i', ini, '-s', `iscsi://evuser%secret-of-ev-1234@127.0.0.1:${ha.ports.A1}`]);
  assert.equal(right.code, 0, right.stderr);
});

test('a LUN RESET from libiscsi (iscsi-test-cu SCSI.Reserve6.LUNReset) through the non-owner: the TMF and the reset are logged', requireTools('iscsi-test-cu'), async () => {
  const ini = 'iqn.2026-11.test:ev-reset';
  assert.equal(await ha.owner(), 'A');
  const r = await run('iscsi-test-cu', ['-d', '-t', 'SCSI.Reserve6.LUNReset', '-i', ini, url('B0')], { timeoutMs: 60_000 });
  const res = parseCuOutput(r.stdout + r.stderr);
  assert.deepEqual([res.passed, res.failed.map((f) => f.detail)], [['Reserve6.LUNReset'], []], r.stdout + r.stderr);
  await logged({ severity: 'info', category: 'scsi', actor: 'target', short: new RegExp(`^lun-reset lun 0 from ${esc(ini)},i,0x[0-9a-f]{12}$`) });
  await logged({ severity: 'info', category: 'scsi', actor: 'target', short: /^1 logical unit\(s\): UaBusDeviceReset$/ });
});

test('a session reinstated by a second login with the same ISID is logged', async () => {
  const ini = 'iqn.2026-11.test:ev-reinstate';
  const isid = Buffer.from('80aabbcc0001', 'hex');
  const first = new InitiatorSession({ host: '127.0.0.1', port: ha.ports.B0!, targetName: ha.arr.iqn, initiatorName: ini, isid, reconnect: false });
  const second = new InitiatorSession({ host: '127.0.0.1', port: ha.ports.B0!, targetName: ha.arr.iqn, initiatorName: ini, isid, reconnect: false });
  try {
    await first.connect();
    await second.connect();
    await logged({ severity: 'info', category: 'session', actor: ini, short: new RegExp(`^session-reinstated: ${esc(ini)}: old TSIH \\d+ replaced from 127\\.0\\.0\\.1:\\d+$`) });
  } finally {
    await second.close().catch(() => undefined);
    await first.close().catch(() => undefined);
  }
});

test('GET /v1/sessions lists a session that just logged in, on the first call after the login', async () => {
  const ini = 'iqn.2026-11.test:ev-sessions';
  const list = async () => (await ha.arr.api<Array<{ initiatorName: string; connections: Array<{ portalGroupTag: number }> }>>('GET', '/v1/sessions')).body;
  assert.equal((await list()).some((s) => s.initiatorName === ini), false);
  await ha.open('A1', ini);
  const now = (await list()).filter((s) => s.initiatorName === ini);
  assert.deepEqual(now.map((s) => s.connections.map((c) => c.portalGroupTag)), [[2]], 'listed at once, through port A1 (portal group tag 2)');
});
