// Back-end failure handling of one controller: a real EIO from a volume's device moves
// the volume to the peer, a probe brings it back once the device answers; injected
// failures only end with repair; the device wrapper reports only "back end lost" codes.
import test from 'node:test';
import assert from 'node:assert/strict';
import { MemoryDevice } from '../../block/memory-device.js';
import type { VolumeOwnership } from '../../cluster/index.js';
import { silentLogger } from '../../lib/logger.js';
import { BackendFaults } from './backend-faults.js';
import { backendDevice } from './failing-device.js';
import type { OwnershipMover } from './ownership-mover.js';

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));
const ioError = (code: string) => Object.assign(new Error(`pread: ${code}`), { code });

function setup() {
  const owners = new Map<string, VolumeOwnership>([
    ['v1', { volumeId: 'v1', preferredOwner: 'A', currentOwner: 'A', epoch: 1, transitioning: false, autoTrespass: false }],
    ['v2', { volumeId: 'v2', preferredOwner: 'A', currentOwner: 'A', epoch: 1, transitioning: false, autoTrespass: false }],
  ]);
  const moves: string[] = [];
  const events: string[] = [];
  const trespass = async (id: string, to: string, reason: string) => {
    moves.push(`${id}→${to} ${reason}`);
    owners.set(id, { ...owners.get(id)!, currentOwner: to });
    return { from: 'A', to };
  };
  const mover = {
    trespass,
    trespassEach: async (ids: string[], to: string, reason: string) => {
      for (const id of ids) await trespass(id, to, reason);
      return ids.length;
    },
  } as unknown as OwnershipMover;
  const faults = new BackendFaults({
    self: 'A', peer: 'B', mover, owners: () => owners, aluaChanged: () => undefined, event: (e) => void events.push(e.short),
    name: (id) => id, logger: silentLogger(), probeMs: 20,
  });
  return { faults, owners, moves, events };
}

test('a detected EIO moves only that volume to the peer; the probe brings it back when the device answers', async () => {
  const { faults, moves, events } = setup();
  const inner = new MemoryDevice(512, 1 << 20);
  let broken = true;
  const flaky = new Proxy(inner, { get: (t, p) => (p === 'read' ? (o: number, l: number) => (broken ? Promise.reject(ioError('EIO')) : t.read(o, l)) : Reflect.get(t, p)) });
  const dev = backendDevice(flaky, { injected: () => faults.isInjected('v1'), onError: (err) => faults.detected('v1', err, flaky) });
  await assert.rejects(dev.read(0, 512), /EIO/);
  await tick();
  assert.deepEqual(moves, ['v1→B backend-failure']);
  assert.equal(faults.isFailed('v1'), true);
  assert.equal(faults.isFailed('v2'), false, 'per volume');
  assert.match(events[0]!, /back end of volume v1 failed on controller A: EIO/);
  await assert.rejects(dev.read(0, 512), /EIO/);
  await tick(50);
  assert.equal(moves.length, 1, 'reported once');
  broken = false;
  await tick(80);
  assert.equal(faults.isFailed('v1'), false);
  assert.deepEqual(moves, ['v1→B backend-failure', 'v1→A backend-repair']);
  assert.ok(events.some((e) => /answers again/.test(e)));
  faults.stop();
});

test('only "back end lost" codes are reported; an injected failure rejects without touching the device and lasts until repair', async () => {
  const { faults, moves } = setup();
  const seen: string[] = [];
  const inner = new MemoryDevice(512, 1 << 20);
  const bad = new Proxy(inner, { get: (t, p) => (p === 'write' ? () => Promise.reject(ioError('EINVAL')) : Reflect.get(t, p)) });
  const dev = backendDevice(bad, { injected: () => faults.isInjected('v2'), onError: (err) => void seen.push(String((err as unknown as { code: string }).code)) });
  await assert.rejects(dev.write(0, Buffer.alloc(512)), /EINVAL/);
  assert.deepEqual(seen, [], 'EINVAL is a bad request, not a lost back end');
  assert.match(await faults.fail(undefined), /2 volume\(s\) trespassed to B/);
  await assert.rejects(dev.read(0, 512), /back end failed on this controller/);
  assert.equal(faults.isFailed('v1') && faults.isFailed('v2'), true);
  assert.match(await faults.repair(undefined), /2 volume\(s\) back/);
  assert.equal((await dev.read(0, 512)).length, 512);
  assert.deepEqual(moves.map((m) => m.split(' ')[1]), ['backend-failure', 'backend-failure', 'backend-repair', 'backend-repair']);
});
