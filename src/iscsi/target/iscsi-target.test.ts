/**
 * IscsiTarget end to end: real libiscsi tools and qemu-io against the target on an
 * ephemeral port with the fake SCSI port, plus raw-socket tests (garbage, NOP, stop,
 * reinstatement, busy port).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { haveTools, requireTools } from '../../../test/support/peer-tools.js';
import { silentLogger } from '../../lib/logger.js';
import type { AsyncMessage, NopIn, TextResponse } from '../pdu/types.js';
import { IscsiTarget, openAuthPolicy, type TargetEvent } from './iscsi-target.js';
import { FakeScsiPort } from './test-support/fake-scsi-port.js';
import { RawInitiator } from './test-support/raw-initiator.js';

const run = promisify(execFile);
const IQN = 'iqn.2026-11.test:target';
const CLIENT = 'iqn.2026-11.test:client';

function newTarget(o: { nopInterval?: number; nopTimeout?: number; port?: number } = {}) {
  const scsi = new FakeScsiPort(64 * 1024 * 1024);
  const events: TargetEvent[] = [];
  const target = new IscsiTarget({
    targetName: IQN,
    portals: [{ host: '127.0.0.1', port: o.port ?? 0, tpgt: 1, relativeTargetPortId: 1, targetPortGroupId: 1 }],
    scsi,
    auth: openAuthPolicy(),
    logger: silentLogger(),
    nopInterval: o.nopInterval ?? 0,
    nopTimeout: o.nopTimeout ?? 15000,
    onEvent: (e) => events.push(e),
  });
  return { target, scsi, events };
}

let t: ReturnType<typeof newTarget>;
let port = 0;
let url = '';
before(async () => {
  t = newTarget();
  await t.target.start();
  port = t.target.boundPortals()[0]!.port;
  url = `iscsi://127.0.0.1:${port}/${IQN}/0`;
});
after(async () => {
  await t.target.stop(100);
});

test('iscsi-inq reads the standard INQUIRY through the target', requireTools('iscsi-inq'), async () => {
  const { stdout } = await run('iscsi-inq', ['-i', CLIENT, url], { timeout: 10000 });
  assert.match(stdout, /Vendor:TANDEM/);
  assert.match(stdout, /Peripheral Device Type:DIRECT_ACCESS/);
});

test('iscsi-ls -s discovers the target and its LUN size', requireTools('iscsi-ls'), async () => {
  const { stdout } = await run('iscsi-ls', ['-s', '-i', CLIENT, `iscsi://127.0.0.1:${port}`], { timeout: 10000 });
  assert.match(stdout, new RegExp(`Target:${IQN} Portal:127\\.0\\.0\\.1:${port},1`));
  assert.match(stdout, /Lun:0\s+Type:DIRECT_ACCESS \(Size:63M\)/);
});

test('iscsi-readcapacity16 sees 64 MiB of 512-byte blocks', requireTools('iscsi-readcapacity16'), async () => {
  const { stdout } = await run('iscsi-readcapacity16', ['-i', CLIENT, url], { timeout: 10000 });
  assert.match(stdout, /RETURNED LOGICAL BLOCK ADDRESS:131071/);
  assert.match(stdout, /Total size:67108864/);
});

test('qemu-io writes 1 MiB (immediate + unsolicited + R2T) and reads it back', requireTools('qemu-io', 'qemu-iscsi'), async () => {
  const { stdout } = await run('qemu-io', ['-f', 'raw', '-c', 'write -P 0xab 0 1M', '-c', 'read -P 0xab 0 1M', url], { timeout: 20000 });
  assert.match(stdout, /wrote 1048576\/1048576 bytes at offset 0/);
  assert.match(stdout, /read 1048576\/1048576 bytes at offset 0/);
  assert.doesNotMatch(stdout, /verification failed/i);
  const back = await t.scsi.device.read(0, 1024 * 1024);
  assert.ok(back.every((b) => b === 0xab));
});

test('garbage on one socket does not hurt the target or another session', async () => {
  const good = await RawInitiator.connect(port);
  const lr = await good.login({ initiatorName: CLIENT, targetName: IQN, isid: Buffer.from('400000000aaa', 'hex') });
  assert.equal(lr?.statusClass, 0);
  for (let i = 0; i < 20; i++) {
    const s = connect({ port, host: '127.0.0.1' });
    s.on('error', () => {});
    await new Promise<void>((r) => s.once('connect', () => r()));
    const junk = randomBytes(48 + Math.floor(Math.random() * 4000));
    if (i % 3 === 0) junk[0] = 0x43; // looks like a Login Request
    if (i % 5 === 0) junk.writeUIntBE(0xffffff, 5, 3); // absurd DataSegmentLength
    s.write(junk);
    s.end();
  }
  // Garbage after a successful login: the target rejects or drops only that connection.
  const victim = await RawInitiator.connect(port);
  await victim.login({ initiatorName: CLIENT, targetName: IQN, isid: Buffer.from('400000000bbb', 'hex') });
  victim.socket.write(randomBytes(5000));
  good.nop(0x1234, Buffer.from('ping'));
  const nopIn = (await good.next('NopIn')) as NopIn | undefined;
  assert.equal(nopIn?.itt, 0x1234);
  assert.equal(nopIn?.data.toString(), 'ping');
  good.logout(5);
  assert.equal((await good.next('LogoutResponse'))?.kind, 'LogoutResponse');
  victim.close();
  if (haveTools('iscsi-inq')) {
    const { stdout } = await run('iscsi-inq', ['-i', CLIENT, url], { timeout: 10000 });
    assert.match(stdout, /Vendor:TANDEM/);
  }
});

test('SendTargets=All in a discovery session and listSessions', async () => {
  const c = await RawInitiator.connect(port);
  const lr = await c.login({ initiatorName: CLIENT, discovery: true, isid: Buffer.from('400000000ccc', 'hex') });
  assert.equal(lr?.statusClass, 0);
  assert.ok(lr!.tsih > 0);
  c.text(7, [['SendTargets', 'All']]);
  const tr = (await c.next('TextResponse')) as TextResponse;
  assert.deepEqual(RawInitiator.pairs(tr.data), [['TargetName', IQN], ['TargetAddress', `127.0.0.1:${port},1`]]);
  const s = t.target.listSessions().find((x) => x.isid === '400000000ccc');
  assert.equal(s?.type, 'discovery');
  assert.equal(s?.connections.length, 1);
  c.close();
});

test('a Normal login to another target name fails with 0x0203', async () => {
  const c = await RawInitiator.connect(port);
  const lr = await c.login({ initiatorName: CLIENT, targetName: 'iqn.2026-11.test:nope' });
  assert.equal(lr?.statusClass, 2);
  assert.equal(lr?.statusDetail, 3);
  await c.closedPromise;
});

test('a new leading login with the same ISID reinstates the session', async () => {
  const isid = Buffer.from('400000000ddd', 'hex');
  const a = await RawInitiator.connect(port);
  assert.equal((await a.login({ initiatorName: CLIENT, targetName: IQN, isid }))?.statusClass, 0);
  const b = await RawInitiator.connect(port);
  assert.equal((await b.login({ initiatorName: CLIENT, targetName: IQN, isid }))?.statusClass, 0);
  await a.closedPromise;
  assert.ok(t.events.some((e) => e.type === 'session-reinstated'));
  assert.equal(t.target.listSessions().filter((s) => s.isid === '400000000ddd').length, 1);
  assert.ok(t.scsi.log.some((l) => l.startsWith('lost ') && l.includes('400000000ddd')));
  b.close();
});

test('a SNACK is rejected at ERL 0 and the connection goes on', async () => {
  const c = await RawInitiator.connect(port);
  await c.login({ initiatorName: CLIENT, targetName: IQN, isid: Buffer.from('400000000eee', 'hex') });
  c.send({ kind: 'SnackRequest', immediate: false, type: 0, lun: Buffer.alloc(8), itt: 9, ttt: 0xffffffff, expStatSN: 0, begRun: 0, runLength: 0 });
  const rej = await c.next('Reject');
  assert.equal(rej?.kind === 'Reject' && rej.reason, 0x05);
  c.nop(3);
  assert.equal((await c.next('NopIn'))?.kind, 'NopIn');
  c.close();
});

test('starting on a busy port rejects with a clear error', async () => {
  const other = newTarget({ port });
  await assert.rejects(other.target.start(), /already in use/);
});

test('NOP-In keepalive pings, and a silent connection is dropped after nopTimeout', async () => {
  const k = newTarget({ nopInterval: 60, nopTimeout: 250 });
  await k.target.start();
  try {
    const c = await RawInitiator.connect(k.target.boundPortals()[0]!.port);
    await c.login({ initiatorName: CLIENT, targetName: IQN });
    const ping = (await c.next('NopIn', 1000)) as NopIn | undefined;
    assert.ok(ping && ping.ttt !== 0xffffffff && ping.itt === 0xffffffff);
    const t0 = Date.now();
    await c.closedPromise;
    assert.ok(Date.now() - t0 < 1500);
    for (let i = 0; i < 50 && !k.events.some((e) => e.type === 'connection-lost'); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(k.events.some((e) => e.type === 'connection-lost'));
    assert.equal(k.target.listSessions().length, 0);
  } finally {
    await k.target.stop(50);
  }
});

test('stop() asks logged-in initiators to log out (AsyncEvent 1) and closes', async () => {
  const k = newTarget();
  await k.target.start();
  const c = await RawInitiator.connect(k.target.boundPortals()[0]!.port);
  await c.login({ initiatorName: CLIENT, targetName: IQN });
  const stopped = k.target.stop(2000);
  const am = (await c.next('AsyncMessage')) as AsyncMessage | undefined;
  assert.equal(am?.asyncEvent, 1);
  const t0 = Date.now();
  c.logout(1);
  await stopped;
  assert.ok(Date.now() - t0 < 1000, 'stop() returns once everyone logged out');
  await c.closedPromise;
  assert.equal(k.target.listSessions().length, 0);
});

test('property: random well-framed PDUs after login never crash the target', async () => {
  const { default: fc } = await import('fast-check');
  const samples = fc.sample(
    fc.record({
      bhs: fc.uint8Array({ minLength: 48, maxLength: 48 }),
      opcode: fc.constantFrom(0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x10, 0x1c, 0x21, 0x3f),
      immediate: fc.boolean(),
      data: fc.uint8Array({ maxLength: 600 }),
    }),
    { numRuns: 300, seed: 7 },
  );
  const c = await RawInitiator.connect(port);
  await c.login({ initiatorName: CLIENT, targetName: IQN, isid: Buffer.from('400000000fff', 'hex') });
  for (const s of samples) {
    const bhs = Buffer.from(s.bhs);
    bhs[0] = (s.immediate ? 0x40 : 0) | s.opcode;
    bhs[4] = 0;
    bhs.writeUIntBE(s.data.length, 5, 3);
    const pad = (4 - (s.data.length % 4)) % 4;
    if (c.closed) break;
    c.socket.write(Buffer.concat([bhs, Buffer.from(s.data), Buffer.alloc(pad)]));
  }
  await new Promise((r) => setTimeout(r, 200));
  c.close();
  const d = await RawInitiator.connect(port);
  const lr = await d.login({ initiatorName: CLIENT, targetName: IQN, isid: Buffer.from('400000000ffe', 'hex') });
  assert.equal(lr?.statusClass, 0);
  d.nop(0x77);
  assert.equal((await d.next('NopIn'))?.kind, 'NopIn');
  d.close();
});

test('every portal is listed by SendTargets and logins through each get their own target port', async () => {
  const scsi = new FakeScsiPort(1024 * 1024);
  const target = new IscsiTarget({
    targetName: IQN,
    portals: [
      { host: '127.0.0.1', port: 0, tpgt: 1, relativeTargetPortId: 1, targetPortGroupId: 1 },
      { host: '127.0.0.1', port: 0, tpgt: 2, relativeTargetPortId: 2, targetPortGroupId: 2 },
    ],
    scsi,
    auth: openAuthPolicy(),
    logger: silentLogger(),
    nopInterval: 0,
  });
  await target.start();
  try {
    const [p1, p2] = target.boundPortals();
    assert.ok(p1!.port > 0 && p2!.port > 0 && p1!.port !== p2!.port);
    const c = await RawInitiator.connect(p2!.port);
    await c.login({ initiatorName: CLIENT, discovery: true });
    c.text(1, [['SendTargets', 'All']]);
    const tr = (await c.next('TextResponse')) as TextResponse;
    assert.deepEqual(RawInitiator.pairs(tr.data), [
      ['TargetName', IQN],
      ['TargetAddress', `127.0.0.1:${p1!.port},1`],
      ['TargetAddress', `127.0.0.1:${p2!.port},2`],
    ]);
    c.close();
    const n = await RawInitiator.connect(p2!.port);
    assert.equal((await n.login({ initiatorName: CLIENT, targetName: IQN }))?.statusClass, 0);
    const nexus = [...scsi.nexuses.values()][0]!;
    assert.equal(nexus.targetPort, `${IQN},t,0x0002`);
    assert.equal(nexus.relativeTargetPortId, 2);
    assert.equal(nexus.targetPortGroupId, 2);
    assert.equal(target.listSessions().find((s) => s.type === 'normal')?.tpgt, 2);
    n.close();
  } finally {
    await target.stop(50);
  }
});
