// CDB builders: byte layouts, parameter lists, and the target's own CDB decoders reading back what the client built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode10, decode16, FUA } from '../sbc/rw-cdb.js';
import * as cdb from './index.js';

test('SET TARGET PORT GROUPS and UNMAP parameter lists', () => {
  const s = cdb.setTargetPortGroups([{ id: 2, state: 'active-optimized' }]);
  assert.deepEqual([...s.dataOut!], [0, 0, 0, 0, 0, 0, 0, 2]);
  assert.equal(s.cdb.readUInt32BE(6), 8);
  const u = cdb.unmap([{ lba: 10, blocks: 8 }]);
  assert.equal(u.dataOut!.readUInt16BE(0), 22);
  assert.equal(u.dataOut!.readUInt16BE(2), 16);
  assert.equal(Number(u.dataOut!.readBigUInt64BE(8)), 10);
  assert.equal(u.dataOut!.readUInt32BE(16), 8);
  assert.equal(u.cdb.readUInt16BE(7), 24);
});

test('STPG parameter list: 4 reserved bytes then state + group id', () => {
  const r = cdb.setTargetPortGroups([{ id: 7, state: 'active-optimized' }]);
  assert.deepEqual(r.dataOut, Buffer.from('00000000' + '00000007', 'hex'));
  assert.equal(r.cdb[0], 0xa4);
  assert.equal(r.cdb[1], 0x0a);
  assert.throws(() => cdb.setTargetPortGroups([{ id: 1, state: 'transitioning' }]), RangeError);
  assert.throws(() => cdb.setTargetPortGroups([{ id: 1, state: 'lba-dependent' }]), RangeError);
  assert.throws(() => cdb.setTargetPortGroups([{ id: 1, state: 'offline' }]), RangeError);
  assert.deepEqual([...cdb.setTargetPortGroups([{ id: 1, state: 'standby' }, { id: 2, state: 'unavailable' }]).dataOut!], [0, 0, 0, 0, 2, 0, 0, 1, 3, 0, 0, 2]);
});

test('READ/WRITE (10)/(16) with FUA: the target decodes the LBA, length and FUA the client meant', () => {
  const w = cdb.write16(5, Buffer.alloc(1024, 0xab), 512, true);
  assert.equal(w.cdb[1], 0x08);
  const f = decode16(w.cdb);
  assert.deepEqual({ lba: f.lba, blocks: f.blocks, fua: (f.flags & FUA) !== 0 }, { lba: 5, blocks: 2, fua: true });
  assert.equal(w.dataOut!.length, 1024);
  const r = cdb.read16(2 ** 40 + 3, 8, 4096);
  assert.deepEqual([r.cdb[0], decode16(r.cdb).lba, decode16(r.cdb).blocks, r.dataInLength, r.cdb[1]], [0x88, 2 ** 40 + 3, 8, 32768, 0]);
  const r10 = cdb.read10(0x01020304, 16, 512, true);
  assert.deepEqual([r10.cdb.length, r10.cdb[0], decode10(r10.cdb).lba, decode10(r10.cdb).blocks, decode10(r10.cdb).flags, r10.dataInLength], [10, 0x28, 0x01020304, 16, FUA, 8192]);
  const w10 = cdb.write10(7, Buffer.alloc(4096), 4096);
  assert.deepEqual([w10.cdb[0], decode10(w10.cdb).lba, decode10(w10.cdb).blocks, w10.cdb[1]], [0x2a, 7, 1, 0]);
});

test('COMPARE AND WRITE: blocks in byte 13, verify then write data', () => {
  const c = cdb.compareAndWrite(9, Buffer.alloc(512, 1), Buffer.alloc(512, 2), 512, true);
  assert.deepEqual([c.cdb.length, c.cdb[0], c.cdb[1], decode16(c.cdb).lba, c.cdb[13]], [16, 0x89, 0x08, 9, 1]);
  assert.deepEqual([c.dataOut!.length, c.dataOut![0], c.dataOut![512]], [1024, 1, 2]);
});

test('INQUIRY, REPORT LUNS, RTPG, READ CAPACITY (16), GET LBA STATUS, SYNCHRONIZE CACHE (16): fields and allocation', () => {
  assert.deepEqual([...cdb.testUnitReady().cdb], [0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...cdb.inquiry().cdb], [0x12, 0, 0, 0, 255, 0]);
  assert.deepEqual([...cdb.inquiry(0x83, 1024).cdb], [0x12, 1, 0x83, 4, 0, 0]);
  assert.equal(cdb.inquiry(undefined, 1 << 20).dataInLength, 0xffff, 'ALLOCATION LENGTH is 16 bits');
  const l = cdb.reportLuns(4096, 2);
  assert.deepEqual([l.cdb.length, l.cdb[0], l.cdb[2], l.cdb.readUInt32BE(6), l.dataInLength], [12, 0xa0, 2, 4096, 4096]);
  assert.deepEqual([cdb.reportTargetPortGroups().cdb[1], cdb.reportTargetPortGroups(64, 1).cdb[1], cdb.reportTargetPortGroups(64, 1).cdb.readUInt32BE(6)], [0x0a, 0x2a, 64]);
  const rc = cdb.readCapacity16();
  assert.deepEqual([rc.cdb[0], rc.cdb[1], rc.cdb.readUInt32BE(10), rc.dataInLength], [0x9e, 0x10, 32, 32]);
  const gls = cdb.getLbaStatus(2 ** 33, 512);
  assert.deepEqual([gls.cdb[1], decode16(gls.cdb).lba, gls.cdb.readUInt32BE(10), gls.dataInLength], [0x12, 2 ** 33, 512, 512]);
  assert.equal(cdb.getLbaStatus(0).dataInLength, 4096);
  const sc = cdb.synchronizeCache16(100, 8);
  assert.deepEqual([sc.cdb[0], decode16(sc.cdb).lba, decode16(sc.cdb).blocks, sc.dataInLength, sc.dataOut], [0x91, 100, 8, undefined, undefined]);
  assert.deepEqual([...cdb.synchronizeCache16().cdb.subarray(1)], new Array(15).fill(0));
});

test('PERSISTENT RESERVE IN/OUT: service action, scope/type, basic parameter list', () => {
  const i = cdb.persistentReserveIn(cdb.PrInAction.ReadFullStatus, 100000);
  assert.deepEqual([i.cdb.length, i.cdb[0], i.cdb[1], i.cdb.readUInt16BE(7), i.dataInLength], [10, 0x5e, 3, 0xffff, 0xffff]);
  const o = cdb.persistentReserveOut(1, { key: 0xabcn, type: 1, scope: 0, aptpl: true, allTargetPorts: true });
  assert.deepEqual([o.cdb[0], o.cdb[1], o.cdb[2], o.cdb.readUInt32BE(5)], [0x5f, 1, 0x01, 24]);
  assert.deepEqual([o.dataOut!.readBigUInt64BE(0), o.dataOut!.readBigUInt64BE(8), o.dataOut![20]], [0xabcn, 0n, 0x05]);
});
