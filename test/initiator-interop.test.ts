// Our iSCSI initiator (src/iscsi/initiator) against real targets: tgt (a third-party
// target, configured with tgtadm) and a real Tandem array (`tandem up`, hosts and CHAP
// configured through the CLI). Login with and without CHAP (one-way and mutual), header
// and data digests, 4 KiB … 8 MiB transfers verified, 64+ outstanding commands, ABORT TASK
// and LUN RESET, reconnect after the target drops the connection. Prevents our initiator
// from only working against our own target.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { discover, InitiatorSession, LoginError, scsi, ScsiCommandError, TmfResponse, type InitiatorSessionOptions } from '../src/iscsi/initiator/index.js';
import * as cdb from '../src/scsi/wire/index.js';
import { requireTools } from './support/peer-tools.js';
import { startArray, type RunningArray } from './support/tandem.js';
import { startTgt, type RunningTgt } from './support/tgt.js';

const IQN = 'iqn.2026-11.test:interop-initiator';
const SIZES = [4096, 65536, 1 << 20, 8 << 20];

function hostPort(portal: string): { host: string; port: number } {
  const i = portal.lastIndexOf(':');
  return { host: portal.slice(0, i), port: Number(portal.slice(i + 1)) };
}

/** The first commands on a new nexus may report a unit attention (power on / reset). */
async function settle(s: InitiatorSession, lun: number): Promise<void> {
  for (let i = 0; i < 5; i++) {
    try {
      await scsi.testUnitReady(s, lun);
      return;
    } catch (err) {
      if (!(err instanceof ScsiCommandError) || err.sense?.key !== 6) throw err;
    }
  }
}

async function verifySizes(s: InitiatorSession, lun: number, startLba: number): Promise<void> {
  let lba = startLba;
  for (const size of SIZES) {
    const data = randomBytes(size);
    await scsi.write16(s, lun, lba, data);
    const back = await scsi.read16(s, lun, lba, size / 512);
    assert.ok(back.equals(data), `${size} bytes at LBA ${lba} read back differ`);
    lba += size / 512;
  }
}

async function manyOutstanding(s: InitiatorSession, lun: number, n: number): Promise<void> {
  const blocks = Array.from({ length: n }, () => randomBytes(4096));
  await Promise.all(blocks.map((b, i) => scsi.write16(s, lun, 32768 + i * 8, b)));
  const back = await Promise.all(blocks.map((_, i) => scsi.read16(s, lun, 32768 + i * 8, 8)));
  back.forEach((b, i) => assert.ok(b.equals(blocks[i]!), `block ${i}`));
}

describe('initiator against tgt', requireTools('tgtd', 'tgtadm', 'root'), () => {
  let tgt: RunningTgt;
  let portal: { host: string; port: number };
  const sessions: InitiatorSession[] = [];
  const adm = (args: string[]) => tgt.adm(args);
  const open = (o: Partial<InitiatorSessionOptions> = {}): InitiatorSession => {
    const s = new InitiatorSession({ ...portal, targetName: tgt.iqn, initiatorName: IQN, reconnect: { initialDelayMs: 50, maxDelayMs: 500 }, ...o });
    sessions.push(s);
    return s;
  };
  before(async () => {
    tgt = await startTgt({ sizeBytes: 128 * 1024 * 1024 });
    portal = hostPort(tgt.portal);
  });
  after(async () => {
    for (const s of sessions) await s.close();
    await tgt?.stop();
  });

  test('SendTargets discovery finds the tgt target', async () => {
    const found = await discover(portal.host, portal.port, { initiatorName: IQN });
    assert.deepEqual(found.map((t) => t.targetName), [tgt.iqn]);
    assert.equal(found[0]!.portals[0]!.port, portal.port);
  });

  test('login without CHAP, R2T-driven writes with tgt\'s limits, 4 KiB … 8 MiB verified', async () => {
    const s = open();
    await s.connect();
    assert.deepEqual(await scsi.reportLuns(s, 0), [0, 1]);
    await settle(s, 1);
    await verifySizes(s, 1, 0);
    await s.logout();
    assert.equal(s.state, 'closed');
  });

  test('header and data digests (CRC32C) negotiated and used', async () => {
    for (const key of ['HeaderDigest', 'DataDigest']) {
      const r = await adm(['--op', 'update', '--mode', 'target', '--tid', '1', '-n', key, '-v', 'CRC32C,None']);
      assert.equal(r.code, 0, r.stderr);
    }
    const s = open({ headerDigest: true, dataDigest: true });
    await s.connect();
    assert.equal(s.params!.headerDigest, 'CRC32C');
    assert.equal(s.params!.dataDigest, 'CRC32C');
    await settle(s, 1);
    await verifySizes(s, 1, 20000);
    await s.close();
  });

  test('128 outstanding commands, ABORT TASK and LUN RESET', async () => {
    const s = open();
    await s.connect();
    await settle(s, 1);
    await manyOutstanding(s, 1, 128);
    const reads = Array.from({ length: 32 }, (_, i) => s.submit(1, cdb.read10(i * 16, 1024, 512)));
    const r = await s.abortTask(1, reads[31]!.itt);
    assert.ok(r === TmfResponse.Complete || r === TmfResponse.TaskDoesNotExist, `ABORT TASK answered ${r}`);
    for (const x of reads.slice(0, 31)) assert.equal((await x.outcome).kind, 'status');
    assert.equal(await s.lunReset(1), TmfResponse.Complete);
    await settle(s, 1); // tgt reports the reset as a unit attention
    await s.close();
  });

  test('reconnect after tgt drops the connection', async () => {
    const s = open();
    await s.connect();
    await settle(s, 1);
    const show = await adm(['--op', 'show', '--mode', 'target']);
    const sid = /I_T nexus: (\d+)\s+Initiator: iqn\.2026-11\.test:interop-initiator/.exec(show.stdout)?.[1];
    assert.ok(sid, show.stdout);
    const down = once(s, 'down');
    const up = once(s, 'up');
    const del = await adm(['--op', 'delete', '--mode', 'connection', '--tid', '1', '--sid', sid, '--cid', '0']);
    assert.equal(del.code, 0, del.stderr);
    await down;
    await up;
    await settle(s, 1);
    await verifySizes(s, 1, 40000);
    await s.close();
  });

  test('CHAP one-way and mutual (tgtadm accounts); wrong secret and missing CHAP fail', async () => {
    for (const a of [['--user', 'hostuser', '--password', 'host-secret-123'], ['--user', 'tgtuser', '--password', 'tgt-secret-4567']]) {
      const r = await adm(['--op', 'new', '--mode', 'account', ...a]);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.equal((await adm(['--op', 'bind', '--mode', 'account', '--tid', '1', '--user', 'hostuser'])).code, 0);
    const one = open({ chap: { user: 'hostuser', secret: 'host-secret-123' } });
    await one.connect();
    await one.close();
    await assert.rejects(open({ reconnect: false }).connect(), LoginError);
    await assert.rejects(open({ chap: { user: 'hostuser', secret: 'wrong-secret-000' } }).connect(), (e: unknown) => e instanceof LoginError && e.statusClass === 2);
    assert.equal((await adm(['--op', 'bind', '--mode', 'account', '--tid', '1', '--user', 'tgtuser', '--outgoing'])).code, 0);
    const mutual = open({ chap: { user: 'hostuser', secret: 'host-secret-123', mutualUser: 'tgtuser', mutualSecret: 'tgt-secret-4567' } });
    await mutual.connect();
    await settle(mutual, 1);
    await verifySizes(mutual, 1, 60000);
    await mutual.close();
    const badMutual = open({ chap: { user: 'hostuser', secret: 'host-secret-123', mutualUser: 'tgtuser', mutualSecret: 'not-the-secret-1' } });
    await assert.rejects(badMutual.connect(), (e: unknown) => e instanceof LoginError && /mutual/.test(e.message));
  });
});

describe('initiator against a Tandem array', () => {
  let arr: RunningArray;
  let portal: { host: string; port: number };
  const sessions: InitiatorSession[] = [];
  const chap = { user: 'interop-host', secret: 'interop-secret-1', mutualUser: 'interop-array', mutualSecret: 'array-secret-987' };
  const open = (o: Partial<InitiatorSessionOptions> = {}): InitiatorSession => {
    const s = new InitiatorSession({ ...portal, targetName: arr.iqn, initiatorName: IQN, ...o });
    sessions.push(s);
    return s;
  };
  const cli = async (args: string[]): Promise<void> => {
    const r = await arr.cli(args);
    assert.equal(r.code, 0, `tandem ${args.join(' ')} → ${r.code}\n${r.stdout}${r.stderr}`);
  };
  before(async () => {
    arr = await startArray({ controllers: 1 });
    portal = hostPort(arr.portal);
    await cli(['volume', 'create', 'iv1', '--size', '64M']);
    await cli(['host', 'create', 'ih1', '--initiator', IQN, '--chap-user', chap.user, '--chap-secret', chap.secret, '--mutual-user', chap.mutualUser, '--mutual-secret', chap.mutualSecret]);
    await cli(['map', 'create', 'iv1', '--host', 'ih1', '--lun', '1']);
  });
  after(async () => {
    for (const s of sessions) await s.close();
    await arr?.stop();
  });

  test('discovery with CHAP, then mutual-CHAP login with digests; 4 KiB … 8 MiB verified', async () => {
    const found = await discover(portal.host, portal.port, { initiatorName: IQN, chap });
    assert.ok(found.some((t) => t.targetName === arr.iqn));
    const s = open({ chap, headerDigest: true, dataDigest: true });
    await s.connect();
    assert.equal(s.params!.headerDigest, 'CRC32C');
    assert.ok((await scsi.reportLuns(s, 0)).includes(1));
    await settle(s, 1);
    const id = await scsi.deviceIdentification(s, 1);
    assert.match(id.naa ?? '', /^6[0-9a-f]{31}$/);
    await verifySizes(s, 1, 0);
    await s.close();
  });

  test('one-way CHAP works; no CHAP and a wrong secret are refused', async () => {
    const one = open({ chap: { user: chap.user, secret: chap.secret } });
    await one.connect();
    await one.close();
    await assert.rejects(open().connect(), (e: unknown) => e instanceof LoginError && e.statusClass === 2);
    await assert.rejects(open({ chap: { user: chap.user, secret: 'wrong-secret-000' } }).connect(), (e: unknown) => e instanceof LoginError && e.statusClass === 2);
  });

  test('128 outstanding commands, ABORT TASK of a finished task, LUN RESET', async () => {
    const s = open({ chap });
    await s.connect();
    await settle(s, 1);
    await manyOutstanding(s, 1, 128);
    const done = s.submit(1, cdb.testUnitReady());
    await done.outcome;
    const r = await s.abortTask(1, done.itt);
    assert.ok(r === TmfResponse.Complete || r === TmfResponse.TaskDoesNotExist, `ABORT TASK answered ${r}`);
    assert.equal(await s.lunReset(1), TmfResponse.Complete);
    await settle(s, 1);
    await s.close();
  });
});
