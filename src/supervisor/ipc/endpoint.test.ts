// Both ends of the typed IPC protocol over an in-memory channel pair (JSON in between,
// as Node's IPC does): a request round trip with checked arguments and results; a
// malformed request, an unknown op, a malformed result, a malformed note and a malformed
// envelope are refused as values (an IpcMessageError to the caller, a log line) and
// never reach a handler or crash the receiver. Prevents a regression to unchecked `as`
// casts of IPC data on either end.
import test from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { silentLogger, type Logger } from '../../lib/logger.js';
import { IpcMessageError } from './check.js';
import { IpcEndpoint, type IpcHandlers } from './endpoint.js';
import { IpcRpc, type IpcChannel } from './ipc-rpc.js';

/** Two connected ends; what one sends the other receives as a JSON copy. */
function pipe(): [IpcChannel & { raw(m: unknown): void }, IpcChannel & { raw(m: unknown): void }] {
  const make = () => Object.assign(new EventEmitter(), { connected: true }) as EventEmitter & { connected: boolean; peer?: EventEmitter };
  const a = make();
  const b = make();
  const end = (self: EventEmitter, other: EventEmitter) => Object.assign(self, {
    send(msg: unknown, cb?: (err: Error | null) => void) {
      const copy = JSON.parse(JSON.stringify(msg)) as unknown;
      setImmediate(() => { other.emit('message', copy); cb?.(null); });
      return true;
    },
    raw(m: unknown) { setImmediate(() => other.emit('message', m)); },
  });
  return [end(a, b) as never, end(b, a) as never];
}

type ControllerHandlers = IpcHandlers<'supervisor'>;
const notStarted = () => { throw new Error('not in this test'); };

function setup(handlers: Partial<ControllerHandlers> = {}) {
  const [sup, ctl] = pipe();
  const errors: string[] = [];
  const logger = Object.assign(silentLogger(), { error: (o: { op?: string }, m: string) => { errors.push(`${m} ${o.op ?? ''}`.trim()); } }) as Logger;
  const bad: string[] = [];
  const supRpc = new IpcRpc(sup, (why) => bad.push(why));
  const supervisor = new IpcEndpoint(supRpc, 'supervisor', logger);
  const controller = new IpcEndpoint(new IpcRpc(ctl), 'controller');
  const calls: string[] = [];
  const all = new Proxy({} as ControllerHandlers, {
    get: (_t, op: string) => (handlers as Record<string, unknown>)[op] ?? notStarted,
    has: () => true,
  });
  controller.serve(all);
  const notes: string[] = [];
  supervisor.serve({
    fence: (a) => { calls.push(`fence ${a.name}: ${a.reason}`); },
    event: (e) => notes.push(`event ${e.severity} ${e.short}`),
    'datapath-event': (e) => notes.push(`datapath ${e.category} ${e.severity} ${e.actor} ${e.short}`),
    alert: (a) => notes.push(`alert ${a.op} ${a.id}`),
    moving: (m) => notes.push(`moving ${m.volumeId} ${m.on}`),
  });
  return { sup, ctl, supRpc, supervisor, controller, calls, notes, errors, bad };
}

const tick = () => new Promise((r) => setTimeout(r, 20));

test('a typed request reaches the handler with checked arguments; the result comes back checked', async () => {
  const seen: unknown[] = [];
  const f = setup({ trespass: (a) => { seen.push(a); return { from: 'A', to: a.to }; } });
  assert.deepEqual(await f.supervisor.request('trespass', { volumeId: 'v1', to: 'B', reason: 'manual' }), { from: 'A', to: 'B' });
  assert.deepEqual(seen, [{ volumeId: 'v1', to: 'B', reason: 'manual' }]);
  await f.controller.request('fence', { name: 'B', reason: 'lease expired' });
  assert.deepEqual(f.calls, ['fence B: lease expired']);
});

test('malformed arguments are answered with an IpcMessageError naming the field; the handler never runs', async () => {
  let ran = false;
  const f = setup({ trespass: () => { ran = true; return { from: 'A', to: 'B' }; } });
  await assert.rejects(f.supRpc.request('trespass', { volumeId: 42, to: 'B', reason: 'manual' }),
    (err: unknown) => err instanceof IpcMessageError && err.field === 'trespass args.volumeId' && /must be a string \(got 42\)/.test(err.message));
  await assert.rejects(f.supRpc.request('no-such-op', {}), (err: unknown) => err instanceof IpcMessageError && /unknown request 'no-such-op'/.test(err.message));
  await assert.rejects(f.supRpc.request('fence', { name: 'B', reason: 'x' }), /unknown request 'fence' \(from the supervisor\)/, 'a controller does not serve what only it sends');
  assert.equal(ran, false);
  // The receiving end still serves.
  const g = setup({ 'backend-fail': (a) => `failed ${a.volumeId ?? '*'}` });
  assert.equal(await g.supervisor.request('backend-fail', {}), 'failed *');
});

test('a malformed result rejects the request with an IpcMessageError', async () => {
  const f = setup({ trespass: () => ({ from: 'A' }) as never, sessions: () => [{ initiatorName: 'i' }] as never });
  await assert.rejects(f.supervisor.request('trespass', { volumeId: 'v1', to: 'B', reason: 'manual' }),
    (err: unknown) => err instanceof IpcMessageError && /^trespass result\.to must be a string/.test(err.message));
  await assert.rejects(f.supervisor.request('sessions'), /^IpcMessageError: sessions result\[0\]\.isid must be a string/);
});

test('a handler error reaches the caller as it was; it is not a protocol error', async () => {
  const f = setup({ trespass: () => { throw new Error('volume v1 is already moving between controllers; retry in a moment'); } });
  await assert.rejects(f.supervisor.request('trespass', { volumeId: 'v1', to: 'B', reason: 'manual' }),
    (err: unknown) => !(err instanceof IpcMessageError) && (err as Error).message === 'volume v1 is already moving between controllers; retry in a moment');
});

test('notes are checked: a malformed one is logged and dropped, the next one still arrives', async () => {
  const f = setup();
  f.controller.note('datapath-event', { category: 'session', severity: 'info', actor: 'iqn.i', short: 'login: iqn.i: x' });
  f.ctl.raw({ t: 'note', op: 'datapath-event', args: { category: 'session', severity: 'loud', actor: 'iqn.i', short: 'x' } });
  f.ctl.raw({ t: 'note', op: 'gossip', args: {} });
  f.controller.note('moving', { volumeId: 'v1', on: true });
  await tick();
  assert.deepEqual(f.notes, ['datapath session info iqn.i login: iqn.i: x', 'moving v1 true']);
  assert.deepEqual(f.errors, ['IPC note refused datapath-event', 'IPC note refused gossip']);
});

test('a message that is no envelope at all is dropped and reported', async () => {
  const f = setup({ status: () => ({ hosted: [], owned: ['v1'], backendFailed: [], linkUp: true }) });
  f.ctl.raw('hello');
  f.ctl.raw({ t: 'res', ok: true });
  f.ctl.raw({ t: 'req', op: 'fence' });
  await tick();
  assert.deepEqual(f.bad, ['not an object', 'response without a numeric id', 'request without a numeric id and an op']);
  assert.deepEqual(await f.supervisor.request('status'), { hosted: [], owned: ['v1'], backendFailed: [], linkUp: true });
});
