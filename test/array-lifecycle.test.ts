// The array as an operator and hosts see it, end to end through the real CLI, the real
// daemon and real initiators: volume/host/map lifecycle with exit codes, per-initiator
// LUN views, CHAP, resize seen by hosts, write protection, events, and a restart that
// brings back the same array with the same data. Prevents regressions in the wiring of
// control plane, data plane and persistence.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCommand, run } from './support/run.js';
import { startArray, type RunningArray } from './support/tandem.js';

const tools = hasCommand('iscsi-ls') && hasCommand('qemu-io') && hasCommand('iscsi-readcapacity16');
const H1 = 'iqn.2026-11.test:h1';
const OTHER = 'iqn.2026-11.test:other';
let dataDir: string;
let arr: RunningArray;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tandem-life-'));
  arr = await startArray({ dataDir });
});
after(async () => {
  await arr?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function ok(args: string[]): Promise<string> {
  const r = await arr.cli(args);
  assert.equal(r.code, 0, `tandem ${args.join(' ')} → ${r.code}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}
async function fails(args: string[], code: number, message: RegExp): Promise<void> {
  const r = await arr.cli(args);
  assert.equal(r.code, code, `tandem ${args.join(' ')} → ${r.code} (wanted ${code})\n${r.stdout}${r.stderr}`);
  assert.match(r.stderr, message);
}
const lunsSeenBy = async (initiator: string, url = `iscsi://${arr.portal}`) => {
  const r = await run('iscsi-ls', ['-i', initiator, '-s', url]);
  assert.equal(r.code, 0, r.stderr);
  return [...r.stdout.matchAll(/Lun:(\d+)\s+Type:DIRECT_ACCESS/g)].map((m) => Number(m[1]));
};

test('first start: the demo volume exists, mapped to all loopback initiators as LUN 0', async () => {
  const vols = JSON.parse(await ok(['--json', 'volume', 'list'])) as Array<{ name: string; sizeBytes: number }>;
  assert.deepEqual(vols.map((v) => [v.name, v.sizeBytes]), [['demo', 1024 ** 3]]);
  const maps = JSON.parse(await ok(['--json', 'map', 'list'])) as Array<{ volumeName: string; lun: number; kind: string }>;
  assert.deepEqual(maps.map((m) => [m.volumeName, m.kind, m.lun]), [['demo', 'allLoopback', 0]]);
});

test('CLI usage errors, not-found and conflicts have distinct exit codes and say what to do', async () => {
  await fails(['frobnicate'], 2, /unknown command/i);
  await fails(['volume', 'create', 'x1', '--size', 'lots'], 2, /size/i);
  await fails(['volume', 'create', 'bad name!', '--size', '1G'], 2, /name/i);
  await fails(['volume', 'show', 'nope'], 3, /nope/);
  await fails(['volume', 'delete', 'demo'], 4, /mapped/);
});

test('volumes, hosts and mappings decide what each initiator sees', { skip: !tools }, async () => {
  await ok(['volume', 'create', 'v1', '--size', '64M']);
  await ok(['host', 'create', 'h1', '--initiator', H1]);
  await ok(['map', 'create', 'v1', '--host', 'h1', '--lun', '3']);
  assert.deepEqual(await lunsSeenBy(H1), [0, 3]);
  assert.deepEqual(await lunsSeenBy(OTHER), [0]);
});

test('a resize is seen by hosts (READ CAPACITY)', { skip: !tools }, async () => {
  await ok(['volume', 'resize', 'v1', '--size', '128M']);
  const r = await run('iscsi-readcapacity16', ['-i', H1, arr.url(3)]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Total size:\s*134217728/i);
});

test('write protection: writes fail with DATA PROTECT, reads still work', { skip: !tools }, async () => {
  await ok(['volume', 'protect', 'v1']);
  const w = await run('qemu-io', ['--image-opts', '-c', 'write -P 0x11 0 64k', arr.qemuOpts(3, H1)]);
  assert.match(w.stdout + w.stderr, /(write failed|Operation not permitted|Permission denied|read-only|protect)/i);
  await ok(['volume', 'unprotect', 'v1']);
  const w2 = await run('qemu-io', ['--image-opts', '-c', 'write -P 0x11 0 64k', '-c', 'read -P 0x11 0 64k', arr.qemuOpts(3, H1)]);
  assert.equal(w2.code, 0, w2.stderr);
  assert.doesNotMatch(w2.stdout + w2.stderr, /failed/i);
});

test('CHAP: once set, the host must authenticate', { skip: !tools }, async () => {
  await ok(['host', 'set-chap', 'h1', '--chap-user', 'h1user', '--chap-secret', 'secret-of-h1-123']);
  const without = await run('iscsi-ls', ['-i', H1, '-s', `iscsi://${arr.portal}`]);
  assert.notEqual(without.code, 0, 'login without CHAP must fail');
  assert.deepEqual(await lunsSeenBy(H1, `iscsi://h1user%secret-of-h1-123@${arr.portal}`), [0, 3]);
  const wrong = await run('iscsi-ls', ['-i', H1, '-s', `iscsi://h1user%wrong-secret-0000@${arr.portal}`]);
  assert.notEqual(wrong.code, 0, 'login with a wrong secret must fail');
  await ok(['host', 'clear-chap', 'h1']);
});

test('events record who changed what', async () => {
  const ev = JSON.parse(await ok(['--json', 'events', '--limit', '200'])) as Array<{ short: string }>;
  const text = ev.map((e) => e.short).join('\n');
  assert.match(text, /volume v1 created/);
  assert.match(text, /volume demo created/);
});

test('restart: the same array comes back with the same volumes, mappings and data', { skip: !tools }, async () => {
  const w = await run('qemu-io', ['--image-opts', '-c', 'write -P 0x7e 1M 2M', arr.qemuOpts(3, H1)]);
  assert.equal(w.code, 0, w.stderr);
  const before = JSON.parse(await ok(['--json', 'volume', 'list']));
  const iqn = arr.iqn;
  assert.equal(await arr.stop(), 0, 'tandem up exits 0 on SIGTERM');
  arr = await startArray({ dataDir });
  assert.equal(arr.iqn, iqn);
  assert.deepEqual(JSON.parse(await ok(['--json', 'volume', 'list'])), before);
  const r = await run('qemu-io', ['--image-opts', '-c', 'read -P 0x7e 1M 2M', arr.qemuOpts(3, H1)]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, /failed/i);
});
