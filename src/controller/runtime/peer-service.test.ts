// PeerService (peer-service.ts), both ends of forward-cmd: a forward the owner never
// answered (link down, timeout) or refused (not the owner, moving) comes back as
// `reroute` — never as HARDWARE ERROR 08h/00h, which Linux does not retry on another
// path (issue 9) — and the owner runs nothing for a volume it does not own or is moving.
import test from 'node:test';
import assert from 'node:assert/strict';
import type { VolumeOwnership } from '../../cluster/index.js';
import { silentLogger } from '../../lib/logger.js';
import type { LogicalUnit, ScsiTarget } from '../../scsi/index.js';
import type { ItNexus, ScsiCommand } from '../../scsi/types.js';
import type { PeerLink, PeerReply } from '../index.js';
import { encodeCommand } from './forwarding.js';
import type { HaRouter } from './ha-router.js';
import type { OwnershipMover } from './ownership-mover.js';
import { PeerService } from './peer-service.js';

const nexus: ItNexus = {
  id: 'i|t', initiatorName: 'iqn.i', initiatorPort: 'i', targetPort: 't', targetName: 'iqn.t', relativeTargetPortId: 3, targetPortGroupId: 2, transportId: Buffer.alloc(4),
};
const cmd: ScsiCommand = { nexus, lun: 0, cdb: Buffer.from([0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0]), tag: 1, taskAttr: 'simple', expectedDataTransferLength: 512, dataOut: undefined };

function setup(reply: PeerReply, own: Partial<VolumeOwnership> = {}) {
  let row: VolumeOwnership = { volumeId: 'v1', preferredOwner: 'A', currentOwner: 'A', epoch: 1, transitioning: false, autoTrespass: false, ...own };
  const ran: string[] = [];
  let refreshed = 0;
  const svc = new PeerService({
    self: 'A', peer: 'B', logger: silentLogger(),
    link: { request: async () => reply } as unknown as PeerLink,
    scsi: { executeForwarded: async () => (ran.push('ran'), { status: 0 }) } as unknown as ScsiTarget,
    router: { redirectedServed: () => false } as unknown as HaRouter,
    mover: {} as OwnershipMover,
    lu: () => ({}) as LogicalUnit,
    owns: () => row.currentOwner === 'A',
    reloaded: () => undefined,
    ownership: () => row,
    refreshOwnership: () => { refreshed++; if (own.currentOwner === 'B' && own.epoch === 9) row = { ...row, currentOwner: 'A' }; },
  });
  return { svc, ran, refreshed: () => refreshed };
}

test('a forward without an answer from the owner is routed again, not failed', async () => {
  for (const code of ['link-down', 'timeout']) {
    const r = await setup({ ok: false, error: { code, message: 'peer link closed' } }).svc.forward('v1', cmd, true);
    assert.ok('reroute' in r, code);
    assert.match(r.reroute, new RegExp(code));
  }
  const ok = await setup({ ok: true, body: { status: 0 } }).svc.forward('v1', cmd, true);
  assert.deepEqual(ok, { status: 0 });
});

test('"not-owner" from the peer: routed again after re-reading the ownership rows', async () => {
  const f = setup({ ok: false, error: { code: 'not-owner', message: 'B does not own v1' } });
  assert.ok('reroute' in (await f.svc.forward('v1', cmd, false)));
  assert.equal(f.refreshed(), 1);
});

test('the owner side runs nothing for a volume it is moving or does not own (after re-reading the store)', async () => {
  const { body, payload } = encodeCommand('v1', cmd);
  const req = { kind: 'forward-cmd' as const, body, ...(payload ? { payload } : {}) };
  let f = setup({ ok: true, body: null }, { transitioning: true });
  assert.deepEqual(await f.svc.handle(req), { error: { code: 'moving', message: 'volume v1 is moving between controllers' } });
  f = setup({ ok: true, body: null }, { currentOwner: 'B' });
  const r = await f.svc.handle(req);
  assert.ok('error' in r && r.error.code === 'not-owner');
  assert.deepEqual(f.ran, []);
  assert.equal(f.refreshed(), 1);
  f = setup({ ok: true, body: null }, { currentOwner: 'B', epoch: 9 }); // the store says A owns it now
  assert.deepEqual(await f.svc.handle(req), { body: { status: 0 } });
  assert.deepEqual(f.ran, ['ran']);
});
