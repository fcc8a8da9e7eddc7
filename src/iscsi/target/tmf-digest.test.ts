/**
 * Raw-socket tests of task management and digest handling against a live IscsiTarget.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../lib/logger.js';
import type { NopIn, R2T, TaskMgmtResponse, Reject, ScsiCommandPdu } from '../pdu/types.js';
import { IscsiTarget, openAuthPolicy } from './iscsi-target.js';
import { FakeScsiPort } from './test-support/fake-scsi-port.js';
import { RawInitiator } from './test-support/raw-initiator.js';

const IQN = 'iqn.2026-11.test:target';
const CLIENT = 'iqn.2026-11.test:client';

async function withTarget(fn: (port: number, scsi: FakeScsiPort) => Promise<void>): Promise<void> {
  const scsi = new FakeScsiPort(1024 * 1024);
  const target = new IscsiTarget({
    targetName: IQN,
    portals: [{ host: '127.0.0.1', port: 0, tpgt: 1, relativeTargetPortId: 1, targetPortGroupId: 1 }],
    scsi,
    auth: openAuthPolicy(),
    logger: silentLogger(),
    nopInterval: 0,
    limits: { initialR2T: true },
  });
  await target.start();
  try {
    await fn(target.boundPortals()[0]!.port, scsi);
  } finally {
    await target.stop(50);
  }
}

function cmd(c: RawInitiator, itt: number, cdb: number[], o: { read?: boolean; write?: boolean; edtl: number; data?: Buffer; final?: boolean }): ScsiCommandPdu {
  const full = Buffer.alloc(16);
  Buffer.from(cdb).copy(full);
  const pdu: ScsiCommandPdu = {
    kind: 'ScsiCommand', immediate: false, final: o.final ?? true, read: !!o.read, write: !!o.write, attr: 1, lun: Buffer.alloc(8), itt,
    expectedDataTransferLength: o.edtl, cmdSN: c.cmdSN, expStatSN: c.expStatSN, cdb: full, data: o.data ?? Buffer.alloc(0),
  };
  c.cmdSN++;
  return pdu;
}

const write10 = (lba: number, blocks: number): number[] => [0x2a, 0, 0, 0, 0, lba, 0, 0, blocks, 0];
const read10 = (lba: number, blocks: number): number[] => [0x28, 0, 0, 0, 0, lba, 0, 0, blocks, 0];

test('ABORT TASK of a write waiting for Data-Out completes; late Data-Out is dropped silently', async () => {
  await withTarget(async (port, scsi) => {
    const c = await RawInitiator.connect(port);
    await c.login({ initiatorName: CLIENT, targetName: IQN });
    c.send(cmd(c, 0x10, write10(0, 16), { write: true, edtl: 8192 }));
    const r2t = (await c.next('R2T')) as R2T;
    assert.equal(r2t.itt, 0x10);
    assert.equal(r2t.desiredDataTransferLength, 8192);
    c.send({ kind: 'TaskMgmtRequest', immediate: true, function: 1, lun: Buffer.alloc(8), itt: 0x11, referencedTaskTag: 0x10, cmdSN: c.cmdSN, expStatSN: c.expStatSN, refCmdSN: c.cmdSN - 1, expDataSN: 0 });
    const tr = (await c.next('TaskMgmtResponse')) as TaskMgmtResponse;
    assert.equal(tr.response, 0);
    c.send({ kind: 'ScsiDataOut', immediate: false, final: true, lun: Buffer.alloc(8), itt: 0x10, ttt: r2t.ttt, expStatSN: c.expStatSN, dataSN: 0, bufferOffset: 0, data: Buffer.alloc(8192, 1) });
    c.nop(0x12);
    assert.equal(((await c.next('NopIn')) as NopIn | undefined)?.itt, 0x12);
    assert.equal(await c.next('Reject', 50), undefined);
    assert.equal(await c.next('ScsiResponse', 50), undefined);
    assert.equal(scsi.executed, 0);
    c.close();
  });
});

test('LUN RESET answers after the executing task is gone, and that task gets no response', async () => {
  await withTarget(async (port, scsi) => {
    let open!: () => void;
    scsi.gate = new Promise<void>((r) => (open = r));
    const c = await RawInitiator.connect(port);
    await c.login({ initiatorName: CLIENT, targetName: IQN });
    c.send(cmd(c, 0x20, read10(0, 1), { read: true, edtl: 512 }));
    for (let i = 0; i < 50 && scsi.inFlight.size === 0; i++) await new Promise((r) => setTimeout(r, 5));
    c.send({ kind: 'TaskMgmtRequest', immediate: true, function: 5, lun: Buffer.alloc(8), itt: 0x21, referencedTaskTag: 0xffffffff, cmdSN: c.cmdSN, expStatSN: c.expStatSN, refCmdSN: 0, expDataSN: 0 });
    const tr = (await c.next('TaskMgmtResponse')) as TaskMgmtResponse;
    assert.equal(tr.response, 0);
    open();
    assert.equal(await c.next('ScsiDataIn', 100), undefined);
    assert.equal(await c.next('ScsiResponse', 10), undefined);
    assert.ok(scsi.log.includes('tmf lun-reset lun 0'));
    c.close();
  });
});

test('CLEAR ACA is "not supported" and TASK REASSIGN "reassignment not supported"', async () => {
  await withTarget(async (port) => {
    const c = await RawInitiator.connect(port);
    await c.login({ initiatorName: CLIENT, targetName: IQN });
    for (const [fn, want] of [[3, 5], [8, 4]] as const) {
      c.send({ kind: 'TaskMgmtRequest', immediate: true, function: fn, lun: Buffer.alloc(8), itt: fn, referencedTaskTag: 0, cmdSN: c.cmdSN, expStatSN: c.expStatSN, refCmdSN: 0, expDataSN: 0 });
      assert.equal(((await c.next('TaskMgmtResponse')) as TaskMgmtResponse).response, want);
    }
    c.close();
  });
});

test('R2T-driven write with CRC32C digests lands on the device; a bad data digest gets Reject 0x02; a bad header digest drops the connection', async () => {
  await withTarget(async (port, scsi) => {
    const c = await RawInitiator.connect(port);
    const lr = await c.login({ initiatorName: CLIENT, targetName: IQN, digests: true });
    assert.equal(lr?.statusClass, 0);
    c.send(cmd(c, 0x30, write10(2, 2), { write: true, edtl: 1024, data: Buffer.alloc(512, 0x61) }));
    const r2t = (await c.next('R2T')) as R2T;
    assert.equal(r2t.bufferOffset, 512);
    c.send({ kind: 'ScsiDataOut', immediate: false, final: true, lun: Buffer.alloc(8), itt: 0x30, ttt: r2t.ttt, expStatSN: c.expStatSN, dataSN: 0, bufferOffset: 512, data: Buffer.alloc(512, 0x62) });
    const resp = await c.next('ScsiResponse');
    assert.equal(resp?.kind === 'ScsiResponse' && resp.status, 0);
    const back = await scsi.device.read(1024, 1024);
    assert.equal(back[0], 0x61);
    assert.equal(back[1023], 0x62);

    const bad = c.encode({ kind: 'NopOut', immediate: true, lun: Buffer.alloc(8), itt: 0x31, ttt: 0xffffffff, cmdSN: c.cmdSN, expStatSN: c.expStatSN, data: Buffer.from('abcd') });
    bad[bad.length - 1]! ^= 0xff; // data digest
    c.socket.write(bad);
    const rej = (await c.next('Reject')) as Reject;
    assert.equal(rej.reason, 0x02);
    c.nop(0x32);
    assert.equal(((await c.next('NopIn')) as NopIn | undefined)?.itt, 0x32);

    const badHeader = c.encode({ kind: 'NopOut', immediate: true, lun: Buffer.alloc(8), itt: 0x33, ttt: 0xffffffff, cmdSN: c.cmdSN, expStatSN: c.expStatSN, data: Buffer.alloc(0) });
    badHeader[49]! ^= 0xff; // header digest
    c.socket.write(badHeader);
    await c.closedPromise;
  });
});

test('a read larger than MaxRecvDataSegmentLength arrives as several Data-In PDUs with status in the last', async () => {
  await withTarget(async (port, scsi) => {
    await scsi.device.write(0, Buffer.alloc(512 * 1024, 0x77));
    const c = await RawInitiator.connect(port);
    await c.login({ initiatorName: CLIENT, targetName: IQN });
    c.send(cmd(c, 0x40, [0x28, 0, 0, 0, 0, 0, 0, 0x04, 0x00, 0], { read: true, edtl: 512 * 1024 }));
    let total = 0;
    let n = 0;
    for (;;) {
      const p = await c.next('ScsiDataIn');
      assert.ok(p && p.kind === 'ScsiDataIn');
      assert.equal(p.dataSN, n++);
      assert.equal(p.bufferOffset, total);
      total += p.data.length;
      assert.ok(p.data.length <= 262144);
      if (p.statusPresent) {
        assert.equal(p.status, 0);
        assert.equal(p.final, true);
        break;
      }
    }
    assert.equal(total, 512 * 1024);
    assert.ok(n >= 2);
    assert.equal(await c.next('ScsiResponse', 30), undefined);
    c.close();
  });
});
