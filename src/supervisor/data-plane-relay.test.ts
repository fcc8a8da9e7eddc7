// The supervisor's DataPlane relay: sessions are asked of the live controllers when
// the API asks (not answered from a list gathered at the previous call), a controller
// that does not answer contributes none, and control-plane changes reach every live
// controller. Prevents `tandem session list` missing a session that just logged in.
import test from 'node:test';
import assert from 'node:assert/strict';
import { defaultHaConfig } from '../config/ha-config.js';
import type { SessionInfo } from '../management/data-plane.js';
import { silentLogger } from '../lib/logger.js';
import type { VolumeRecord } from '../store/records.js';
import { DataPlaneRelay } from './data-plane-relay.js';
import type { ControllerChannel } from './ipc/endpoint.js';

const session = (initiatorName: string, tsih: number): SessionInfo => ({ initiatorName, isid: '400001370000', tsih, type: 'normal', loginAt: 'now', connections: [] });

function setup() {
  const sessions: Record<string, SessionInfo[] | 'hung'> = { A: [], B: [] };
  const sent: string[] = [];
  const channel = (name: string) => ({
    async request(op: string, args?: { v?: VolumeRecord }) {
      sent.push(`${name} ${op}${args?.v ? ` ${args.v.name}` : ''}`);
      if (op !== 'sessions') return undefined;
      const s = sessions[name]!;
      if (s === 'hung') throw new Error('IPC sessions: no answer within 2000 ms');
      return s;
    },
  }) as unknown as ControllerChannel;
  const live = [{ name: 'A', channel: channel('A') }, { name: 'B', channel: channel('B') }];
  let rows = 0;
  const relay = new DataPlaneRelay({
    iqn: 'iqn.2026-11.io.tandem:test', ha: defaultHaConfig(2), live: () => live, ensureOwnershipRows: () => { rows++; }, deleteOwnership: () => undefined,
    logger: silentLogger(),
  });
  return { relay, sessions, sent, rows: () => rows };
}

test('the first call after a login lists the new session (no stale cache)', async () => {
  const f = setup();
  assert.deepEqual(await f.relay.listSessions(), []);
  f.sessions.A = [session('iqn.2026-11.test:h1', 1)];
  f.sessions.B = [session('iqn.2026-11.test:h2', 7)];
  assert.deepEqual((await f.relay.listSessions()).map((s) => s.initiatorName), ['iqn.2026-11.test:h1', 'iqn.2026-11.test:h2']);
  f.sessions.A = [];
  assert.deepEqual((await f.relay.listSessions()).map((s) => s.initiatorName), ['iqn.2026-11.test:h2'], 'a logout shows at once too');
});

test('a controller that does not answer contributes no sessions; the others still do', async () => {
  const f = setup();
  f.sessions.A = 'hung';
  f.sessions.B = [session('iqn.2026-11.test:h2', 7)];
  assert.deepEqual((await f.relay.listSessions()).map((s) => s.tsih), [7]);
});

test('a new volume: ownership rows first, created by one controller, opened by the other', async () => {
  const f = setup();
  const v = { name: 'v1' } as VolumeRecord;
  await f.relay.createVolume(v);
  assert.equal(f.rows(), 1);
  assert.deepEqual(f.sent, ['A volume-created v1', 'B volume-created v1']);
});

test('a create naming a controller that is not online is refused before anything is made; a failed relay takes its ownership row back', async () => {
  const sent: string[] = [];
  const rows: string[] = [];
  const deleted: string[] = [];
  let failB = false;
  const channel = (name: string) => ({
    async request(op: string) {
      sent.push(`${name} ${op}`);
      if (failB && name === 'B') throw new Error('IPC volume-created: no answer');
      return undefined;
    },
  }) as unknown as ControllerChannel;
  let live = [{ name: 'A', channel: channel('A') }];
  const relay = new DataPlaneRelay({
    iqn: 'iqn.2026-11.io.tandem:test', ha: defaultHaConfig(2), live: () => live,
    ensureOwnershipRows: (named) => { rows.push(JSON.stringify(named ?? {})); }, deleteOwnership: (id) => { deleted.push(id); }, logger: silentLogger(),
  });
  const v = { id: 'id1', name: 'v1' } as VolumeRecord;
  await assert.rejects(relay.createVolume(v, { owner: 'B' }), (err: Error & { httpStatus?: number }) => err.httpStatus === 409 && /controller B: it is not online/.test(err.message));
  assert.deepEqual([sent, rows], [[], []], 'nothing was asked or written');
  await relay.createVolume(v, { owner: 'A' });
  assert.deepEqual(rows, ['{"id1":"A"}']);
  live = [...live, { name: 'B', channel: channel('B') }];
  failB = true;
  await assert.rejects(relay.createVolume({ id: 'id2', name: 'v2' } as VolumeRecord));
  assert.deepEqual(deleted, ['id2']);
});
