/**
 * InitiatorSession failure handling against OUR target (FakeScsiPort, whose `gate` holds
 * commands): ABORT TASK, LUN RESET, command timeout, connection loss (in-flight commands
 * end with transport-error, queued ones survive), reconnect with the same ISID, NOP-Out
 * timeout on a black-holed connection, answering target NOP-Ins, Async logout request,
 * login redirection.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { decodePdu } from '../pdu/decode.js';
import { encodePduToBuffer } from '../pdu/encode.js';
import { Framer } from '../pdu/framer.js';
import { encodeTextData } from '../pdu/text.js';
import { InitiatorSession, LoginError, scsi, TmfResponse, type InitiatorSessionOptions } from './index.js';
import { INITIATOR_IQN, startHarness, TARGET_IQN, type Harness } from './test-support/target-harness.js';
import { TcpProxy } from './test-support/tcp-proxy.js';
import { read10 } from '../../scsi/wire/index.js';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function setup(o: { nopInterval?: number; nopTimeout?: number } = {}): Promise<{ h: Harness; proxy: TcpProxy; release: () => void; hold: () => void }> {
  const h = await startHarness({ fake: true, ...o });
  const proxy = new TcpProxy(h.port);
  await proxy.start();
  cleanups.push(async () => {
    await proxy.stop();
    await h.stop();
  });
  let open: () => void = () => {};
  const hold = (): void => {
    h.fake!.gate = new Promise<void>((r) => (open = r));
  };
  const release = (): void => {
    h.fake!.gate = undefined;
    open();
  };
  return { h, proxy, hold, release };
}

function session(port: number, o: Partial<InitiatorSessionOptions> = {}): InitiatorSession {
  const s = new InitiatorSession({
    host: '127.0.0.1', port, targetName: TARGET_IQN, initiatorName: INITIATOR_IQN, nopInterval: 0,
    reconnect: { initialDelayMs: 20, maxDelayMs: 100 }, ...o,
  });
  cleanups.push(() => s.close());
  return s;
}

const read8 = read10(0, 8, 512);

test('ABORT TASK on a held command: Function Complete, the command ends as a transport error', async () => {
  const { h, hold, release } = await setup();
  const s = session(h.port);
  await s.connect();
  hold();
  const { itt, outcome } = s.submit(0, read8);
  await waitFor(() => h.fake!.inFlight.size === 1);
  assert.equal(await s.abortTask(0, itt), TmfResponse.Complete);
  const o = await outcome;
  assert.equal(o.kind, 'transport-error');
  release();
  assert.equal((await s.execute(0, read8)).kind, 'status', 'the session still works');
});

test('LUN RESET completes every held command of the LUN', async () => {
  const { h, hold, release } = await setup();
  const s = session(h.port);
  await s.connect();
  hold();
  const outs = [s.execute(0, read8), s.execute(0, read8), s.execute(0, read8)];
  await waitFor(() => h.fake!.inFlight.size === 3);
  assert.equal(await s.lunReset(0), TmfResponse.Complete);
  for (const o of await Promise.all(outs)) assert.ok(o.kind === 'transport-error' || (o.kind === 'status' && o.status === 0x40));
  release();
  assert.ok(h.fake!.log.includes('tmf lun-reset lun 0'));
});

test('command timeout aborts the task at the target and reports a transport error', async () => {
  const { h, hold, release } = await setup();
  const s = session(h.port);
  await s.connect();
  hold();
  const o = await s.execute(0, { ...read8, timeoutMs: 150 });
  assert.equal(o.kind, 'transport-error');
  if (o.kind === 'transport-error') assert.match(o.error.message, /timed out/);
  await waitFor(() => h.fake!.log.includes('tmf abort-task lun 0'));
  release();
});

test('connection drop: in-flight commands fail, queued ones run after the reconnect with the same ISID', async () => {
  const { h, proxy, hold, release } = await setup();
  const s = session(proxy.port);
  await s.connect();
  const isid = s.isidHex;
  hold();
  const inflight = s.execute(0, read8);
  await waitFor(() => h.fake!.inFlight.size === 1);
  const down = once(s, 'down');
  proxy.cut();
  const [reason] = (await down) as [string];
  assert.match(reason, /closed|reset|ECONNRESET|target/i);
  const o = await inflight;
  assert.equal(o.kind, 'transport-error');
  release();
  // while down: queued, then sent after the session is back
  const queued = s.execute(0, read8);
  await once(s, 'up');
  assert.equal(s.isidHex, isid, 'reinstatement keeps the ISID');
  const q = await queued;
  assert.equal(q.kind, 'status');
});

test('a black-holed connection is declared dead by the NOP-Out timeout', async () => {
  const { h, proxy } = await setup();
  const s = session(proxy.port, { nopInterval: 50, nopTimeout: 200, reconnect: false });
  await s.connect();
  const t0 = Date.now();
  const down = once(s, 'down');
  const closed = once(s, 'closed');
  proxy.freeze();
  const [reason] = (await down) as [string];
  assert.match(reason, /NOP-Out/);
  assert.ok(Date.now() - t0 < 2000);
  await closed;
  void h;
});

test('target NOP-In pings are answered, so the target keeps the connection', async () => {
  const { h } = await setup({ nopInterval: 40, nopTimeout: 200 });
  const s = session(h.port);
  await s.connect();
  let downs = 0;
  s.on('down', () => downs++);
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(downs, 0);
  assert.equal(s.state, 'up');
  assert.equal((await s.execute(0, read8)).kind, 'status');
});

test('Async Message "logout requested" (target stopping): log out, then reconnect when it is back', async () => {
  const h = await startHarness({ fake: true });
  const port = h.port;
  const s = session(port);
  await s.connect();
  const down = once(s, 'down');
  await h.stop();
  await down;
  const h2 = await startHarness({ fake: true, port });
  cleanups.push(() => h2.stop());
  await once(s, 'up');
  assert.equal((await s.execute(0, read8)).kind, 'status');
  const cap = await scsi.readCapacity16(s, 0).catch(() => scsi.readCapacity16(s, 0));
  assert.equal(cap.blockSize, 512);
});

test('reconnect gives up after maxAttempts and the session closes', async () => {
  const { proxy } = await setup();
  const s = session(proxy.port, { reconnect: { initialDelayMs: 10, maxDelayMs: 20, maxAttempts: 2 } });
  await s.connect();
  const closed = once(s, 'closed');
  await proxy.stop();
  await closed;
  assert.equal(s.state, 'closed');
  const o = await s.execute(0, read8);
  assert.equal(o.kind, 'transport-error');
});

test('a failed first connect rejects with LoginError and fails commands queued meanwhile', async () => {
  const { proxy } = await setup();
  const port = proxy.port;
  await proxy.stop();
  const s = session(port);
  const p = s.connect();
  const queued = s.execute(0, read8);
  await assert.rejects(p, LoginError);
  assert.equal(s.state, 'idle');
  assert.equal((await queued).kind, 'transport-error');
});

async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('login redirection (status 0x0101 with TargetAddress) is followed', async () => {
  const { h } = await setup();
  const redirector = createServer((sock) => {
    const fr = new Framer({ maxRecvDataSegmentLength: 65536 });
    sock.on('data', (c: Buffer) => {
      for (const ev of fr.push(c)) {
        if (ev.type !== 'pdu') continue;
        const d = decodePdu(ev.pdu);
        if (!d.ok || d.pdu.kind !== 'LoginRequest') continue;
        sock.end(encodePduToBuffer({
          kind: 'LoginResponse', immediate: false, transit: false, continue: false, csg: 0, nsg: 0, versionMax: 0, versionActive: 0,
          isid: d.pdu.isid, tsih: 0, itt: d.pdu.itt, statSN: 0, expCmdSN: 1, maxCmdSN: 1, statusClass: 1, statusDetail: 1,
          data: encodeTextData([['TargetAddress', `127.0.0.1:${h.port},1`]]),
        }, { header: false, data: false }));
      }
    });
  });
  await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => redirector.close(() => r())));
  const s = session((redirector.address() as { port: number }).port);
  await s.connect();
  assert.equal(s.state, 'up');
  assert.equal((await s.execute(0, read8)).kind, 'status');
});
