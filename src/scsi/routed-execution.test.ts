// The routed-command loop (routed-execution.ts) over the real ScsiTarget with a scripted
// router: commands held while the router says so and released by its change signal;
// a held command is a task TMFs abort but an ownership drain does not wait for; the
// bound, past which the state's own answer comes; a forward that comes back undelivered
// is routed again (never an error of its own); a local run that failed because the back
// end is lost here runs again elsewhere. Prevents HARDWARE ERROR or NOT READY 04h/0Ah
// reaching hosts for a failover the array survives (docs/ha.md "Holding commands").
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ForwardResult } from './access-router.js';
import type { LogicalUnit } from './logical-unit.js';
import { CDB, FakeRouter, fixture, nexus, sense } from './test-support/fixture.js';
import { TaskAttr, TmfFunction, TmfResult, type ItNexus, type ScsiResponse } from './types.js';

const I1 = nexus('iqn.1994-05.com.example:host1');
const tick = () => new Promise<void>((r) => setImmediate(r));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
// The target's timers do not keep a process alive (a connection does, in an array): this does here.
let keepAlive: NodeJS.Timeout;
before(() => { keepAlive = setInterval(() => undefined, 1000); });
after(() => clearInterval(keepAlive));

class HoldingRouter extends FakeRouter {
  hold: string | undefined;
  holdLimitMs = 5000;
  retry: (resp: ScsiResponse) => boolean = () => false;
  private wake: (() => void) | undefined;
  private next: Promise<void> | undefined;
  holdReason(_lu: LogicalUnit, _n: ItNexus): string | undefined {
    return this.hold;
  }
  changed(): Promise<void> {
    return (this.next ??= new Promise<void>((r) => (this.wake = r)));
  }
  /** The facts changed: held commands look again. */
  change(): void {
    const w = this.wake;
    this.next = undefined;
    this.wake = undefined;
    w?.();
  }
  retryElsewhere(_lu: LogicalUnit, resp: ScsiResponse): boolean {
    return this.retry(resp);
  }
}

test('a held command waits without being routed, and runs once the router\'s facts change', async () => {
  const router = new HoldingRouter();
  router.hold = 'transitioning';
  const f = fixture({ router });
  const p = f.run(I1, CDB.read());
  await sleep(30);
  assert.deepEqual(router.routed, [], 'not decided while held');
  assert.equal(f.target.tasksInFlight, 1, 'it is in the task set');
  await f.target.quiesce(f.lu); // an ownership drain does not wait for a held command
  router.hold = undefined;
  router.change();
  const r = await p;
  assert.equal(r.status, 0);
  assert.deepEqual(router.routed, ['TEST READ']);
  assert.equal(f.target.tasksInFlight, 0);
});

test('ABORT TASK ends a held command with TASK ABORTED; LUN RESET does too', async () => {
  const router = new HoldingRouter();
  router.hold = 'owner-unreachable';
  const f = fixture({ router });
  const p = f.target.execute({ nexus: I1, lun: 0, cdb: Buffer.from(CDB.read()), tag: 77, taskAttr: TaskAttr.Simple, expectedDataTransferLength: 512, dataOut: undefined });
  await tick();
  assert.equal(await f.target.taskManagement({ nexus: I1, fn: TmfFunction.AbortTask, lun: 0, referencedTag: 77 }), TmfResult.Complete);
  assert.equal((await p).aborted, true);
  const q = f.run(I1, CDB.read());
  await tick();
  assert.equal(await f.target.taskManagement({ nexus: I1, fn: TmfFunction.LunReset, lun: 0 }), TmfResult.Complete);
  assert.equal((await q).aborted, true);
  assert.deepEqual(router.routed, []);
});

test('the bound: past holdLimitMs the command gets the answer of the state it waited in', async () => {
  const router = new HoldingRouter();
  router.hold = 'transitioning';
  router.holdLimitMs = 300;
  router.states.set(1, 'transitioning');
  const f = fixture({ router });
  const t0 = Date.now();
  assert.deepEqual(sense(await f.run(I1, CDB.read())), [2, 0x04, 0x0a]);
  assert.ok(Date.now() - t0 >= 280, `held ${Date.now() - t0} ms`);
  router.states.set(1, 'standby');
  assert.deepEqual(sense(await f.run(I1, CDB.read())), [2, 0x04, 0x0b]);
});

test('a forward that comes back undelivered is routed again: here once this controller owns the volume', async () => {
  const router = new HoldingRouter();
  const sent: number[] = [];
  router.decision = {
    kind: 'forward',
    forward: async (): Promise<ForwardResult> => {
      sent.push(Date.now());
      router.decision = { kind: 'local' }; // the takeover happened meanwhile
      setTimeout(() => router.change(), 20);
      return { reroute: 'link-down: peer link closed' };
    },
  };
  const f = fixture({ router });
  const r = await f.run(I1, CDB.read());
  assert.equal(r.status, 0);
  assert.deepEqual(r.dataIn, Buffer.from('ok'), 'run here, by the local handler');
  assert.equal(sent.length, 1);
  assert.deepEqual(router.routed, ['TEST READ', 'TEST READ']);
});

test('a forward that cannot be delivered within the bound gets the port\'s state answer, never HARDWARE ERROR', async () => {
  const router = new HoldingRouter();
  router.holdLimitMs = 300;
  let sent = 0;
  router.decision = { kind: 'forward', forward: async () => (sent++, { reroute: 'timeout' }) };
  router.states.set(1, 'standby');
  const f = fixture({ router });
  // The ALUA check refuses standby before any forward: make the port active and let the forwards fail.
  router.states.set(1, 'active-non-optimized');
  const p = f.run(I1, CDB.read());
  await sleep(150);
  router.states.set(1, 'standby'); // the owner became unreachable
  assert.deepEqual(sense(await p), [2, 0x04, 0x0b]);
  assert.ok(sent >= 1);
  router.decision = { kind: 'forward', forward: () => Promise.reject(new Error('boom')) };
  router.states.set(1, 'active-non-optimized');
  assert.deepEqual(sense(await f.run(I1, CDB.read())), [2, 0x04, 0x0a], 'a forward that throws is not delivered either');
});

test('a local run that failed because the back end is lost here is routed again (to the owner that can reach it)', async () => {
  const router = new HoldingRouter();
  let fail = true;
  const f = fixture({ router, gate: { wait: async () => { if (fail) throw new Error('EIO'); } } });
  const forwarded: string[] = [];
  router.retry = (resp) => {
    fail = false;
    if (resp.status !== 2) return false;
    router.decision = { kind: 'forward', forward: async () => (forwarded.push('slow'), { status: 0 }) };
    setTimeout(() => router.change(), 10);
    return true;
  };
  const r = await f.run(I1, CDB.slow());
  assert.equal(r.status, 0);
  assert.deepEqual(forwarded, ['slow']);
});
