/**
 * Test wiring: a FakeLun with two target port groups (A: 1, B: 2), two FakePaths per
 * group, a ManualClock and helpers to let promises and timers run.
 */
import { ManualClock } from '../../lib/clock.js';
import { MultipathDevice, type MultipathOptions } from '../multipath-device.js';
import type { AluaStateName } from '../../scsi/wire/index.js';
import { FakeLun, type FakeLunOptions } from './fake-lun.js';
import { FakePath } from './fake-path.js';

export const NAA = '600140512345678901234567890abcde';

/** Let queued microtasks and immediates run (the fake answers in microtasks). */
export async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Advance the manual clock in steps until the promise settles (or maxMs passes). */
export async function drive<T>(clock: ManualClock, p: Promise<T>, stepMs = 10, maxMs = 600_000): Promise<T> {
  let done = false;
  p.then(() => (done = true), () => (done = true));
  for (let t = 0; t <= maxMs && !done; t += stepMs) {
    await settle();
    if (done) break;
    clock.advance(stepMs);
  }
  await settle();
  if (!done) throw new Error(`promise still pending after ${maxMs} ms of manual time`);
  return p;
}

export interface Rig {
  clock: ManualClock;
  lun: FakeLun;
  paths: FakePath[];
  dev: MultipathDevice;
}

export interface RigOptions {
  lun?: Partial<FakeLunOptions>;
  groups?: Array<{ id: number; state: AluaStateName; pref?: boolean }>;
  /** tpg of each path; default [1, 1, 2, 2]. */
  pathTpgs?: number[];
  mp?: Partial<MultipathOptions>;
  latencyMs?: number;
}

export function makeLunAndPaths(o: RigOptions = {}): { clock: ManualClock; lun: FakeLun; paths: FakePath[] } {
  const clock = new ManualClock(1_000_000);
  const lun = new FakeLun({
    naa: NAA,
    serial: 'TND0001',
    groups: o.groups ?? [{ id: 1, state: 'active-optimized' }, { id: 2, state: 'active-non-optimized' }],
    thin: true,
    ...o.lun,
  });
  const tpgs = o.pathTpgs ?? [1, 1, 2, 2];
  const paths = tpgs.map((tpg, i) => new FakePath(lun, { id: `p${i}`, tpg, relPort: i + 1, clock, latencyMs: o.latencyMs ?? 0 }));
  return { clock, lun, paths };
}

export async function makeRig(o: RigOptions = {}): Promise<Rig> {
  const { clock, lun, paths } = makeLunAndPaths(o);
  const dev = await drive(clock, MultipathDevice.create(paths, {
    name: 'tandem0',
    selector: 'round-robin',
    checkerIntervalMs: 1000,
    noPathRetryMs: Infinity,
    explicitFailover: false,
    clock,
    ...o.mp,
  }));
  return { clock, lun, paths, dev };
}

export function block(lun: FakeLun, byte: number, blocks = 1): Buffer {
  return Buffer.alloc(lun.blockSize * blocks, byte);
}
