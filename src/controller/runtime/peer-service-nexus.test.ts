// The nexus-event and LU-state parts of the peer service (peer-service.ts), over a fake
// link and target: an I_T nexus lost here reaches the owner, or waits while the link is
// down and goes when it is back; a controller that gains the volume applies what waited;
// the owner of a volume releases and aborts for a nexus lost on the peer; the LU state
// mirror is applied only where the volume is not owned.
import test from 'node:test';
import assert from 'node:assert/strict';
import { MemoryDevice } from '../../block/memory-device.js';
import type { JsonValue, PeerLink } from '../index.js';
import { silentLogger } from '../../lib/logger.js';
import { emptyLuState, LogicalUnit, type LuStateJson, type ScsiTarget } from '../../scsi/index.js';
import type { HaRouter } from './ha-router.js';
import type { OwnershipMover } from './ownership-mover.js';
import { PeerService } from './peer-service.js';

function setup(o: { owns?: boolean; up?: boolean } = {}) {
  const sent: Array<{ kind: string; body: JsonValue }> = [];
  const aborted: string[] = [];
  const link = {
    isUp: o.up ?? true,
    request: async (kind: string, body: JsonValue) => {
      sent.push({ kind, body });
      return link.isUp ? { ok: true, body: null } : { ok: false, error: { code: 'link-down', message: 'down' } };
    },
    send: (kind: string, body: JsonValue) => { sent.push({ kind, body }); return true; },
  };
  const lu = new LogicalUnit({ identity: { name: 'v', naa: Buffer.alloc(16), serial: 's', vendor: 'T', product: 'P', revision: '1' }, device: new MemoryDevice(512, 1 << 20) });
  const owned = { v: o.owns ?? false };
  const svc = new PeerService({
    self: 'A', peer: 'B', link: link as unknown as PeerLink,
    scsi: { abortTasksOf: async (_l: LogicalUnit, ids: readonly string[]) => { aborted.push(...ids); } } as unknown as ScsiTarget,
    router: {} as HaRouter, mover: {} as OwnershipMover, lu: (id) => (id === 'v1' ? lu : undefined), owns: () => owned.v,
    reloaded: () => undefined, ownership: () => undefined, refreshOwnership: () => undefined, logger: silentLogger(),
  });
  return { svc, link, sent, aborted, lu, owned };
}

const holding = (lu: LogicalUnit, nexusId: string): LuStateJson => ({ ...lu.exportState(), spc2Holder: nexusId });

test('an I_T nexus lost here goes to the peer while the link is up', async () => {
  const { svc, sent } = setup();
  svc.nexusLost(['v1'], 'i|t');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(sent, [{ kind: 'nexus-lost', body: { volumeIds: ['v1'], nexusId: 'i|t' } }]);
  assert.equal(svc.pending.size, 0);
});

test('link down: the event waits (only for a volume the peer owns) and goes, in order, when the link is back', async () => {
  const t = setup({ up: false });
  t.svc.nexusLost(['v1'], 'i|t');
  await t.svc.luReset('v1');
  assert.equal(t.sent.length, 0);
  assert.equal(t.svc.pending.size, 2);
  t.link.isUp = true;
  await t.svc.flushPending();
  assert.deepEqual(t.sent.map((m) => m.kind), ['nexus-lost', 'lun-reset']);
  assert.equal(t.svc.pending.size, 0);
  const mine = setup({ up: false, owns: true });
  mine.svc.nexusLost(['v1'], 'i|t');
  assert.equal(mine.svc.pending.size, 0, 'this controller owns it: its own save released it');
});

test('a controller that gains the volume applies the events that waited for the owner', async () => {
  const t = setup({ up: false });
  t.lu.loadState(holding(t.lu, 'i|t'));
  t.svc.nexusLost(['v1'], 'i|t');
  t.owned.v = true;
  await t.svc.applyPending('v1');
  assert.equal(t.lu.spc2Holder, undefined);
  assert.equal(t.svc.pending.size, 0);
});

test('the owner, told of a nexus lost on the peer, aborts its tasks there and releases its reservation', async () => {
  const t = setup({ owns: true });
  t.lu.loadState(holding(t.lu, 'i|t'));
  await t.svc.handle({ kind: 'nexus-lost', body: { volumeIds: ['v1'], nexusId: 'i|t' } } as never);
  assert.deepEqual(t.aborted, ['i|t']);
  assert.equal(t.lu.spc2Holder, undefined);
});

test('the LU state mirror (pr-update) is applied where the volume is not owned, and dropped where it is or when damaged', async () => {
  const t = setup({ owns: false });
  const s = holding(t.lu, 'x|y');
  await t.svc.handle({ kind: 'pr-update', body: { volumeId: 'v1', state: s as unknown as JsonValue } } as never);
  assert.equal(t.lu.spc2Holder, 'x|y');
  await t.svc.handle({ kind: 'pr-update', body: { volumeId: 'v1', state: { pr: { version: 9 } } } } as never);
  assert.equal(t.lu.spc2Holder, 'x|y', 'a damaged state is dropped');
  t.owned.v = true;
  await t.svc.handle({ kind: 'pr-update', body: { volumeId: 'v1', state: emptyLuState() as unknown as JsonValue } } as never);
  assert.equal(t.lu.spc2Holder, 'x|y', 'the owner keeps its own');
  t.svc.mirrorLuState('v1', emptyLuState());
  assert.deepEqual(t.sent.at(-1)?.kind, 'pr-update');
});
