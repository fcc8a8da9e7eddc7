// The supervisor ↔ controller protocol table: every op's checkers accept what the two
// ends really send and refuse bad, missing or stray fields with a message naming the
// field. Prevents a controller acting on a message it misread (an `as` cast of
// unchecked IPC data) and the two ends drifting apart silently.
import test from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CLUSTER_POLICY } from '../../cluster/index.js';
import { IpcMessageError } from './check.js';
import { IPC_PROTOCOL, type IpcOp } from './protocol.js';

const args = (op: IpcOp, v: unknown): unknown => IPC_PROTOCOL[op].args(v, `${op} args`);
const result = (op: IpcOp, v: unknown): unknown => {
  const spec = IPC_PROTOCOL[op];
  assert.equal(spec.kind, 'request');
  return spec.kind === 'request' ? spec.result(v, `${op} result`) : undefined;
};
const refused = (f: () => unknown, message: RegExp): void => {
  assert.throws(f, (err: unknown) => err instanceof IpcMessageError && message.test(err.message), String(message));
};

const volume = {
  id: 'v-1', name: 'demo', sizeBytes: 1 << 30, blockSize: 512, thin: true, backing: 'file', path: '/d/v-1.img',
  naa: '6'.repeat(32), serial: 's1', writeProtected: false, createdAt: '2026-11-23T10:00:00.000Z',
};
const port = (name: string, n: number, group: number) => ({ name, host: '127.0.0.1', port: 3260 + n, tpgt: n, relativeTargetPortId: n, targetPortGroupId: group });
const init = {
  self: 'A', dataDir: '/d', peerLinkPort: 4000, nopIntervalMs: 5000, nopTimeoutMs: 15000, policy: { ...DEFAULT_CLUSTER_POLICY },
  peers: { B: 'starting' }, logLevel: 'info',
  ha: {
    heartbeatIntervalMs: 100, heartbeatTimeoutMs: 600, leaseMs: 800,
    controllers: [
      { name: 'A', index: 1, ipFailover: 'both', peerPort: 0, ports: [port('A0', 1, 1), port('A1', 2, 1)] },
      { name: 'B', index: 2, ipFailover: 'local', peerPort: 0, ports: [port('B0', 3, 2), port('B1', 4, 2)] },
    ],
  },
};
const listener = { host: '127.0.0.1', port: 3261, tpgt: 1, relativeTargetPortId: 1, targetPortGroupId: 1, homeController: 'A', homePort: 'A0' };

test('one table: who sends each op, and whether it is a request or a note', () => {
  const by = (from: string, kind: string) => Object.entries(IPC_PROTOCOL).filter(([, s]) => s.from === from && s.kind === kind).map(([op]) => op);
  assert.deepEqual(by('supervisor', 'request'), [
    'init', 'volume-created', 'volume-resized', 'volume-deleted', 'write-protect', 'access-changed', 'ownership-reload', 'sessions',
    'trespass', 'take-over', 'peer-rejoining', 'peer-health', 'policy', 'listeners', 'link-cut', 'link-restore', 'backend-fail',
    'backend-repair', 'status', 'serve', 'stop',
  ]);
  assert.deepEqual(by('controller', 'request'), ['fence']);
  assert.deepEqual(by('controller', 'note'), ['event', 'datapath-event', 'alert', 'moving']);
  assert.deepEqual(by('supervisor', 'note'), []);
});

test('what the ends send passes, and comes out as it went in', () => {
  assert.deepEqual(args('init', init), init);
  assert.deepEqual(args('volume-created', { v: volume, create: true }), { v: volume, create: true });
  assert.deepEqual(args('trespass', { volumeId: 'v-1', to: 'B', reason: 'port-failure' }), { volumeId: 'v-1', to: 'B', reason: 'port-failure' });
  assert.deepEqual(args('take-over', { name: 'B' }), { name: 'B' }, 'optional fields may be absent');
  assert.deepEqual(args('listeners', { listeners: [listener], why: 'port A0 link down', served: ['127.0.0.1:3261'] }),
    { listeners: [listener], why: 'port A0 link down', served: ['127.0.0.1:3261'] });
  assert.deepEqual(args('backend-fail', {}), {});
  assert.equal(args('access-changed', null), undefined);
  assert.deepEqual(args('datapath-event', { category: 'session', severity: 'warning', actor: 'iqn.i', short: 'login-failed: iqn.i: x' }),
    { category: 'session', severity: 'warning', actor: 'iqn.i', short: 'login-failed: iqn.i: x' });
  assert.deepEqual(result('trespass', { from: 'A', to: 'B' }), { from: 'A', to: 'B' });
  assert.deepEqual(result('sessions', [{ initiatorName: 'iqn.i', isid: '400001370000', tsih: 1, type: 'normal', loginAt: 'now',
    connections: [{ cid: 0, local: 'a:1', remote: 'b:2', portalGroupTag: 1, params: { HeaderDigest: 'None', MaxBurstLength: 262144, ImmediateData: true } }] }]), [{
    initiatorName: 'iqn.i', isid: '400001370000', tsih: 1, type: 'normal', loginAt: 'now',
    connections: [{ cid: 0, local: 'a:1', remote: 'b:2', portalGroupTag: 1, params: { HeaderDigest: 'None', MaxBurstLength: 262144, ImmediateData: true } }],
  }]);
  assert.equal(result('stop', null), undefined);
});

test('a missing or mistyped field is refused, naming the field', () => {
  refused(() => args('trespass', { to: 'B', reason: 'manual' }), /^trespass args\.volumeId must be a string \(got nothing\)$/);
  refused(() => args('trespass', { volumeId: 7, to: 'B', reason: 'manual' }), /^trespass args\.volumeId must be a string \(got 7\)$/);
  refused(() => args('trespass', { volumeId: 'v', to: 'B', reason: 'because' }), /^trespass args\.reason must be one of manual, explicit-alua, .*port-repair \(got "because"\)$/);
  refused(() => args('volume-created', { v: { ...volume, blockSize: 1000 }, create: true }), /^volume-created args\.v\.blockSize must be one of 512, 4096/);
  refused(() => args('volume-created', { v: volume }), /^volume-created args\.create must be true or false/);
  refused(() => args('volume-resized', { v: volume, size: '1G' }), /^volume-resized args\.size must be a whole number/);
  refused(() => args('listeners', { listeners: [listener, { ...listener, tpgt: '1' }], why: 'x' }), /^listeners args\.listeners\[1\]\.tpgt must be a whole number/);
  refused(() => args('listeners', { listeners: listener, why: 'x' }), /^listeners args\.listeners must be a list/);
  refused(() => args('policy', { policy: { ...DEFAULT_CLUSTER_POLICY, nonOwnerState: 'asleep' } }), /^policy args\.policy\.nonOwnerState must be one of active-non-optimized, standby/);
  refused(() => args('policy', { policy: { ...DEFAULT_CLUSTER_POLICY, defaultFailoverMode: 7 } }), /^policy args\.policy\.defaultFailoverMode must be one of 0, 1, 2, 3, 4/);
  refused(() => args('peer-health', { name: 'B', health: 'sleepy' }), /^peer-health args\.health must be one of online, backend-failed/);
  refused(() => args('init', { ...init, ha: { ...init.ha, controllers: [{ ...init.ha.controllers[0], ports: undefined }] } }), /^init args\.ha\.controllers\[0\]\.ports must be a list \(got nothing\)$/);
  refused(() => args('init', { ...init, peers: { B: 'gone' } }), /^init args\.peers\.B must be one of/);
  refused(() => args('fence', { name: 'B' }), /^fence args\.reason must be a string/);
  refused(() => args('event', { severity: 'fatal', short: 'x' }), /^event args\.severity must be one of info, warning, error, critical/);
  refused(() => args('datapath-event', { category: 'gossip', severity: 'info', actor: 'a', short: 's' }), /^datapath-event args\.category must be one of session, scsi/);
  refused(() => args('alert', { op: 'toggle', id: 'controller-failed:B' }), /^alert args\.op must be one of raise, clear/);
  refused(() => args('moving', { volumeId: 'v', on: 'yes' }), /^moving args\.on must be true or false/);
  refused(() => args('trespass', null), /^trespass args must be an object \(got null\)$/);
  refused(() => args('access-changed', { extra: 1 }), /^access-changed args must be empty/);
});

test('a field the message does not have is refused', () => {
  refused(() => args('trespass', { volumeId: 'v', to: 'B', reason: 'manual', force: true }), /^trespass args\.force is not a field of this message$/);
  refused(() => args('volume-deleted', { v: { ...volume, owner: 'A' } }), /^volume-deleted args\.v\.owner is not a field/);
});

test('results are checked too', () => {
  refused(() => result('trespass', { from: 'A' }), /^trespass result\.to must be a string/);
  refused(() => result('sessions', [{ initiatorName: 'iqn.i', isid: 'x', tsih: -0.5, type: 'normal', loginAt: 'now', connections: [] }]), /^sessions result\[0\]\.tsih must be a whole number/);
  refused(() => result('listeners', { listening: [], added: [], removed: [] }), /^listeners result\.errors must be a list/);
  refused(() => result('backend-fail', 3), /^backend-fail result must be a string/);
  refused(() => result('init', { pid: 12, portals: [{ host: 'h', port: 1, tpgt: 1, relativeTargetPortId: 1 }] }), /^init result\.portals\[0\]\.targetPortGroupId must be a whole number/);
});
