/**
 * Property tests: random interleavings of path failures, recoveries, ALUA changes and
 * unit attentions with a stream of writes and reads (NBD-like: operations on one block
 * are serialized, as the NBD server guarantees for overlapping I/O). Checked against an
 * in-memory model: every acknowledged write reads back, and no I/O fails while a path
 * is usable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AluaStateName } from '../scsi/wire/index.js';
import { block, drive, makeRig, settle } from './test-support/harness.js';

const BLOCKS = 12;

type Cmd =
  | { t: 'write'; lba: number; byte: number; fua: boolean }
  | { t: 'read'; lba: number }
  | { t: 'fail'; path: number; executeInflight: boolean }
  | { t: 'restore'; path: number }
  | { t: 'hang'; path: number }
  | { t: 'alua'; group: 1 | 2; state: AluaStateName }
  | { t: 'ua'; path: number; asc: number; ascq: number }
  | { t: 'tick'; ms: number };

const io = fc.oneof(
  fc.record({ t: fc.constant('write' as const), lba: fc.nat(BLOCKS - 1), byte: fc.integer({ min: 1, max: 255 }), fua: fc.boolean() }),
  fc.record({ t: fc.constant('read' as const), lba: fc.nat(BLOCKS - 1) }),
);
/** Faults of a path that answers: it drops or comes back (a hung path is not "alive"). */
const fault = fc.oneof(
  fc.record({ t: fc.constant('fail' as const), path: fc.nat(3), executeInflight: fc.boolean() }),
  fc.record({ t: fc.constant('restore' as const), path: fc.nat(3) }),
  fc.record({ t: fc.constant('ua' as const), path: fc.nat(3), asc: fc.constant(0x29), ascq: fc.constant(0) }),
  fc.record({ t: fc.constant('ua' as const), path: fc.nat(3), asc: fc.constant(0x3f), ascq: fc.constant(0x0e) }),
  fc.record({ t: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 1500 }) }),
);
const hang = fc.record({ t: fc.constant('hang' as const), path: fc.nat(3) });
const alua = fc.record({
  t: fc.constant('alua' as const),
  group: fc.constantFrom(1 as const, 2 as const),
  state: fc.constantFrom<AluaStateName>('active-optimized', 'active-non-optimized', 'standby', 'unavailable', 'transitioning'),
});

/** Runs the commands; returns the errors seen by the caller. */
async function run(cmds: Cmd[], o: { noPathRetryMs: number; explicitFailover: boolean; keepOnePathAlive: boolean; latency: number[] }): Promise<unknown[]> {
  const rig = await makeRig({ latencyMs: 0, mp: { noPathRetryMs: o.noPathRetryMs, explicitFailover: o.explicitFailover, commandTimeoutMs: 5000 } });
  const { dev, lun, paths, clock } = rig;
  paths.forEach((p, i) => (p.latencyMs = o.latency[i]!));
  const model = new Map<number, number>();
  const chain = new Map<number, Promise<void>>();
  const errors: unknown[] = [];
  const all: Promise<void>[] = [];
  const enqueue = (lba: number, op: () => Promise<void>): void => {
    const prev = chain.get(lba) ?? Promise.resolve();
    const next = prev.then(op).catch((e: unknown) => void errors.push(e));
    chain.set(lba, next);
    all.push(next);
  };
  for (const c of cmds) {
    switch (c.t) {
      case 'write':
        enqueue(c.lba, async () => {
          await dev.write(c.lba * 512, block(lun, c.byte), { fua: c.fua });
          model.set(c.lba, c.byte); // acknowledged
        });
        break;
      case 'read':
        enqueue(c.lba, async () => {
          const d = await dev.read(c.lba * 512, 512);
          assert.deepEqual(d, block(lun, model.get(c.lba) ?? 0), `LBA ${c.lba}`);
        });
        break;
      case 'fail': {
        if (o.keepOnePathAlive) {
          const st = dev.status().paths;
          const others = st.filter((p, i) => i !== c.path && p.state === 'alive' && paths[i]!.connected);
          if (others.length === 0) break;
        }
        paths[c.path]!.fail({ executeInflight: c.executeInflight });
        break;
      }
      case 'restore':
        paths[c.path]!.unhang();
        paths[c.path]!.restore();
        break;
      case 'hang':
        paths[c.path]!.hang(); // commands time out after commandTimeoutMs (5 s) of manual time
        break;
      case 'alua':
        lun.setGroupState(c.group, c.state);
        break;
      case 'ua':
        if (paths[c.path]!.connected) paths[c.path]!.pendingUA.push([c.asc, c.ascq]);
        break;
      case 'tick':
        clock.advance(c.ms);
        break;
    }
    await settle(1);
  }
  // Heal everything; every operation must then complete.
  for (const p of paths) {
    p.unhang();
    p.restore();
  }
  lun.setGroupState(1, 'active-optimized');
  lun.setGroupState(2, 'active-non-optimized');
  await drive(clock, Promise.all(all), 50);
  // Every acknowledged write reads back, through the device and in the LU itself.
  for (let lba = 0; lba < BLOCKS; lba++) {
    assert.deepEqual(lun.readBlock(lba), block(lun, model.get(lba) ?? 0), `LU block ${lba}`);
    assert.deepEqual(await drive(clock, dev.read(lba * 512, 512)), block(lun, model.get(lba) ?? 0), `read back ${lba}`);
  }
  await dev.close();
  return errors;
}

test('property: queue_if_no_path — any interleaving of faults and ALUA changes, every acknowledged write reads back, zero errors', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.oneof({ arbitrary: io, weight: 5 }, { arbitrary: fault, weight: 3 }, { arbitrary: alua, weight: 1 }, { arbitrary: hang, weight: 1 }), { minLength: 5, maxLength: 40 }),
      fc.boolean(),
      fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 4, maxLength: 4 }),
      async (cmds, explicitFailover, latency) => {
        const errors = await run(cmds, { noPathRetryMs: Infinity, explicitFailover, keepOnePathAlive: false, latency });
        assert.deepEqual(errors, []);
      },
    ),
    { numRuns: 120 },
  );
});

test('property: no error while some path is alive, even with no_path_retry 0 (fail at once when none is)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.oneof({ arbitrary: io, weight: 5 }, { arbitrary: fault, weight: 3 }), { minLength: 5, maxLength: 40 }),
      fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 4, maxLength: 4 }),
      async (cmds, latency) => {
        const errors = await run(cmds, { noPathRetryMs: 0, explicitFailover: false, keepOnePathAlive: true, latency });
        assert.deepEqual(errors, []);
      },
    ),
    { numRuns: 120 },
  );
});

test('regression: a write whose response was lost (executed, then the connection died) is re-issued and still reads back', async () => {
  const rig = await makeRig({ latencyMs: 3 });
  const w = rig.dev.write(0, block(rig.lun, 0xee));
  await settle();
  const busy = rig.paths.find((p) => p.inflight > 0)!;
  busy.fail({ executeInflight: true });
  await drive(rig.clock, w, 1);
  assert.deepEqual(await drive(rig.clock, rig.dev.read(0, 512)), block(rig.lun, 0xee));
  assert.equal(rig.lun.log.filter((l) => l.op === 0x8a).length, 2);
  await rig.dev.close();
});
