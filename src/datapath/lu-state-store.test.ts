// The logical units' state in the store (lu-state-store.ts): a LogicalUnit saves its LU
// state there and a second one (a controller taking over) starts from it; kept unit
// attentions reach the matching nexus; the power on of the whole array keeps only what
// SPC-4 keeps; damaged rows are named, not served.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryDevice } from '../block/memory-device.js';
import { CorruptStateError } from '../lib/errors.js';
import { emptyLuState, LogicalUnit, type LuStateJson } from '../scsi/index.js';
import { newNaa, serialFromId, Store, type VolumeRecord } from '../store/index.js';
import { encodeLuState, loadLuState, luStatePersistence, powerOnLuState } from './lu-state-store.js';

function storeWith(names: string[]): { s: Store; vols: VolumeRecord[] } {
  const s = Store.openFile(':memory:');
  const vols = names.map((name, i) => {
    const id = `00000000-0000-4000-8000-00000000000${i}`;
    return { id, name, sizeBytes: 1 << 20, blockSize: 512 as const, thin: true, backing: 'memory' as const, path: null, naa: newNaa(), serial: serialFromId(id), writeProtected: false, createdAt: 'now' };
  });
  s.transaction(() => { for (const v of vols) s.volumes.insert(v); });
  return { s, vols };
}

const lu = (s: Store, id: string) => new LogicalUnit({
  identity: { name: 'v', naa: Buffer.alloc(16), serial: 's', vendor: 'T', product: 'P', revision: '1' },
  device: new MemoryDevice(512, 1 << 20),
  state: luStatePersistence(s, id),
});

function withPr(aptpl: boolean): LuStateJson {
  return {
    ...emptyLuState(),
    pr: {
      version: 1, generation: 3, aptpl,
      registrations: [{ key: '0000000000001111', initiatorPort: 'iqn.h,i,0x1', targetPort: 'iqn.t,t,0x0001', relativeTargetPortId: 1, transportId: '', allTgPt: false }],
      reservation: { type: 1, holder: { initiatorPort: 'iqn.h,i,0x1', targetPort: 'iqn.t,t,0x0001' } },
    },
    spc2Holder: 'x|y',
    mode: { wce: false, swp: false, dexcpt: true, mrie: 0 },
  };
}

test('a saved LU state is the one the next LogicalUnit of the volume starts from', async () => {
  const { s, vols } = storeWith(['a']);
  const first = lu(s, vols[0]!.id);
  assert.deepEqual(first.exportState(), emptyLuState(), 'nothing stored yet: the empty state');
  await first.exclusive(() => first.spc2Reserve('i|t'));
  await first.exclusive(() => first.commitMode({ wce: false, swp: false, dexcpt: true, mrie: 0 }));
  const second = lu(s, vols[0]!.id);
  assert.equal(second.spc2Holder, 'i|t');
  assert.equal(second.mode.values.wce, false);
  assert.deepEqual(loadLuState(s, vols[0]!.id), second.exportState());
});

test('kept unit attentions: a nexus of the registration gets them, reporting one removes it from the store', () => {
  const { s, vols } = storeWith(['a']);
  const id = vols[0]!.id;
  s.luState.save(id, encodeLuState(emptyLuState()), [
    { initiatorPort: 'iqn.h', targetPort: 'iqn.t,t,0x0001', reason: 'UaRegistrationsPreempted' }, // no ISID: every port of iqn.h
    { initiatorPort: 'iqn.other,i,0x1', targetPort: 'iqn.t,t,0x0001', reason: 'UaReservationsReleased' },
  ], 1);
  const p = luStatePersistence(s, id);
  const n = { initiatorPort: 'iqn.h,i,0x23d000000001', targetPort: 'iqn.t,t,0x0001' };
  assert.deepEqual(p.pendingFor!(n), ['UaRegistrationsPreempted']);
  assert.deepEqual(p.pendingFor!({ ...n, targetPort: 'iqn.t,t,0x0002' }), [], 'another target port is another nexus');
  p.reported!(n, 'UaRegistrationsPreempted');
  assert.deepEqual(s.luState.keptUas(id).map((u) => u.reason), ['UaReservationsReleased']);
});

test('power on: PR state kept with APTPL, released without; SPC-2 holders, mode values and kept unit attentions gone; damaged rows start over', () => {
  const { s, vols } = storeWith(['keep', 'drop', 'damaged', 'empty']);
  const [keep, drop, damaged, empty] = vols.map((v) => v.id) as [string, string, string, string];
  s.luState.save(keep, encodeLuState(withPr(true)), [{ initiatorPort: 'i', targetPort: 't', reason: 'UaReservationsReleased' }], 1);
  s.luState.save(drop, encodeLuState(withPr(false)), [], 1);
  s.luState.save(damaged, { prState: '{not json', spc2Holder: null, mode: null }, [], 1);
  s.luState.save(empty, encodeLuState(emptyLuState()), [], 1);
  assert.deepEqual(powerOnLuState(s, 2), { kept: [keep], released: [drop] });
  assert.deepEqual(loadLuState(s, keep), { ...withPr(true), spc2Holder: null, mode: { wce: true, swp: false, dexcpt: true, mrie: 0 } });
  assert.deepEqual(loadLuState(s, drop), emptyLuState());
  assert.deepEqual(loadLuState(s, damaged), emptyLuState());
  assert.deepEqual(s.luState.keptUas(keep), []);
});

test('a damaged LU state is a CorruptStateError naming the volume, not an empty one served', () => {
  const { s, vols } = storeWith(['a']);
  s.luState.save(vols[0]!.id, { prState: '{"version":1,"generation":"x"}', spc2Holder: null, mode: null }, [], 1);
  assert.throws(() => loadLuState(s, vols[0]!.id), (e: unknown) => e instanceof CorruptStateError && /volume 0000.*: pr: not a PR state/.test(e.message));
});
