/**
 * InitiatorSession against OUR target in-process (IscsiTarget over the real SCSI core on a
 * MemoryDevice): discovery, login with and without CHAP and digests, transfers from 4 KiB
 * to 8 MiB with verification, many outstanding commands through a small CmdSN window,
 * residuals and sense.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { discover, InitiatorSession, LoginError, scsi, ScsiCommandError, type InitiatorSessionOptions } from './index.js';
import { INITIATOR_IQN, startHarness, TARGET_IQN, type Harness } from './test-support/target-harness.js';
import { inquiry } from '../../scsi/wire/index.js';

let h: Harness;
const sessions: InitiatorSession[] = [];
before(async () => {
  h = await startHarness({ sizeBytes: 64 * 1024 * 1024 });
});
after(async () => {
  for (const s of sessions) await s.close();
  await h.stop();
});

function session(port: number, o: Partial<InitiatorSessionOptions> = {}): InitiatorSession {
  const s = new InitiatorSession({ host: '127.0.0.1', port, targetName: TARGET_IQN, initiatorName: INITIATOR_IQN, nopInterval: 0, ...o });
  sessions.push(s);
  return s;
}

/** Clear the power-on unit attention a fresh nexus reports first. */
async function settle(s: InitiatorSession): Promise<void> {
  for (let i = 0; i < 5; i++) {
    try {
      await scsi.testUnitReady(s, 0);
      return;
    } catch (err) {
      if (!(err instanceof ScsiCommandError) || err.sense?.key !== 6) throw err;
    }
  }
}

test('SendTargets discovery lists our target and its portal', async () => {
  const found = await discover('127.0.0.1', h.port, { initiatorName: INITIATOR_IQN });
  assert.deepEqual(found, [{ targetName: TARGET_IQN, portals: [{ host: '127.0.0.1', port: h.port, tpgt: 1 }] }]);
});

for (const digests of [false, true]) {
  test(`write/read 4 KiB … 8 MiB verified (digests ${digests ? 'CRC32C' : 'None'})`, async () => {
    const s = session(h.port, { headerDigest: digests, dataDigest: digests });
    await s.connect();
    assert.equal(s.state, 'up');
    assert.equal(s.params!.headerDigest, digests ? 'CRC32C' : 'None');
    assert.equal(s.params!.dataDigest, digests ? 'CRC32C' : 'None');
    await settle(s);
    let lba = digests ? 40000 : 0;
    for (const size of [4096, 65536, 262144 + 512, 1 << 20, 8 << 20]) {
      const data = randomBytes(size);
      await scsi.write16(s, 0, lba, data);
      const back = await scsi.read16(s, 0, lba, size / 512);
      assert.ok(back.equals(data), `${size} bytes read back differ`);
      assert.ok((await h.device.read(lba * 512, size)).equals(data));
      lba += size / 512;
    }
    await s.logout();
    assert.equal(s.state, 'closed');
  });
}

test('small target MaxRecvDataSegmentLength and InitialR2T=Yes: Data-Out is split and R2T-driven', async () => {
  const h2 = await startHarness({ limits: { maxRecvDataSegmentLength: 4096, initialR2T: true, immediateData: false, maxBurstLength: 65536, firstBurstLength: 16384, maxOutstandingR2T: 1 } });
  try {
    const s = session(h2.port);
    await s.connect();
    assert.equal(s.maxDataSegment, 4096);
    assert.equal(s.params!.initialR2T, true);
    await settle(s);
    const data = randomBytes(1 << 20);
    await scsi.write10(s, 0, 100, data);
    assert.ok((await scsi.read10(s, 0, 100, 2048)).equals(data));
    await s.close();
  } finally {
    await h2.stop();
  }
});

test('256 outstanding commands through a CmdSN window of 16 all complete and verify', async () => {
  const h2 = await startHarness({ queueDepth: 16 });
  try {
    const s = session(h2.port);
    await s.connect();
    await settle(s);
    const n = 256;
    const blocks = Array.from({ length: n }, () => randomBytes(4096));
    await Promise.all(blocks.map((b, i) => scsi.write16(s, 0, i * 8, b)));
    const reads = blocks.map((_, i) => scsi.read16(s, 0, i * 8, 8));
    assert.ok(s.outstanding.queued > 0, 'commands beyond MaxCmdSN wait locally');
    const back = await Promise.all(reads);
    back.forEach((b, i) => assert.ok(b.equals(blocks[i]!), `block ${i}`));
    await s.close();
  } finally {
    await h2.stop();
  }
});

test('residual underflow, and CHECK CONDITION with decoded sense', async () => {
  const s = session(h.port);
  await s.connect();
  await settle(s);
  const o = await s.execute(0, inquiry(undefined, 4096));
  assert.equal(o.kind, 'status');
  if (o.kind === 'status') {
    assert.ok(o.residual > 0);
    assert.equal(o.data.length, 4096 - o.residual);
    assert.equal(o.data.toString('latin1', 8, 14), 'TANDEM');
  }
  await assert.rejects(scsi.read16(s, 0, 2 ** 40, 1), (e: unknown) => e instanceof ScsiCommandError && e.sense?.asc === 0x21 && /LOGICAL BLOCK ADDRESS OUT OF RANGE/.test(e.message));
  const cap = await scsi.readCapacity16(s, 0);
  assert.deepEqual([cap.blockSize, cap.blockCount], [512, 131072]);
  const id = await scsi.deviceIdentification(s, 0);
  assert.equal(id.naa, '6001405a0b0c0d0e0f10111213141516');
  assert.equal(id.targetPortGroup, 1);
  assert.equal((await scsi.reportTargetPortGroups(s, 0)).groups[0]!.state, 'active-optimized');
  assert.equal(await scsi.unitSerial(s, 0), 'SERIAL0001');
  await s.close();
});

test('CHAP one-way and mutual log in; a wrong secret fails with LoginError 0x0201', async () => {
  const creds = { user: 'host1', secret: 'host1-secret-12', mutualUser: 'array', mutualSecret: 'array-secret-12' };
  const h2 = await startHarness({ chap: creds });
  try {
    const one = session(h2.port, { chap: { user: 'host1', secret: 'host1-secret-12' } });
    await one.connect();
    await one.close();
    const mutual = session(h2.port, { chap: creds });
    await mutual.connect();
    await settle(mutual);
    await mutual.close();
    const badMutual = session(h2.port, { chap: { ...creds, mutualSecret: 'not-the-secret' } });
    await assert.rejects(badMutual.connect(), (e: unknown) => e instanceof LoginError && /mutual/.test(e.message));
    const bad = session(h2.port, { chap: { user: 'host1', secret: 'wrong-secret-123' } });
    await assert.rejects(bad.connect(), (e: unknown) => e instanceof LoginError && e.statusClass === 2 && e.statusDetail === 1);
    const none = session(h2.port);
    await assert.rejects(none.connect(), LoginError);
    assert.equal(none.state, 'idle');
  } finally {
    await h2.stop();
  }
});
