// The NBD server driven by real third-party clients (qemu-io, qemu-img, fio's nbd
// engine which uses libnbd) over a MemoryDevice, on TCP and on a Unix socket.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTools } from '../../../test/support/peer-tools.js';
import { MemoryDevice } from '../../block/memory-device.js';
import { NbdExportRegistry } from './exports.js';
import { NbdServer } from './server.js';

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'nbd-real-'));
const sock = join(dir, 'nbd.sock');
const exports = new NbdExportRegistry();
const server = new NbdServer({ exports });
let port = 0;
before(async () => {
  exports.set({ name: 'mem', device: new MemoryDevice(512, 64 << 20) });
  exports.set({ name: 'big', device: new MemoryDevice(4096, 64 << 20) });
  await server.listen({ tcp: '127.0.0.1:0', unix: sock });
  port = server.tcpAddress!.port;
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('qemu-io writes and reads back patterns (unaligned too) over TCP and the Unix socket', requireTools('qemu-io'), async () => {
  const url = `nbd://127.0.0.1:${port}/mem`;
  const w = await run('qemu-io', ['-f', 'raw', url, '-c', 'write -P 0x5a 1000 70000', '-c', 'write -P 0x11 4096 4096', '-c', 'read -P 0x11 4096 4096', '-c', 'read -P 0x5a 1000 3096', '-c', 'read -P 0 0 1000']);
  assert.equal(w.code, 0, w.stderr + w.stdout);
  assert.doesNotMatch(w.stdout, /Pattern verification failed|error/i);
  const u = await run('qemu-io', ['-f', 'raw', `nbd+unix:///mem?socket=${sock}`, '-c', 'read -P 0x5a 8192 62808', '-c', 'flush', '-c', 'write -z 0 65536', '-c', 'read -P 0 0 65536']);
  assert.equal(u.code, 0, u.stderr + u.stdout);
  assert.doesNotMatch(u.stdout, /Pattern verification failed|error/i);
  const bad = await run('qemu-io', ['-f', 'raw', url, '-c', 'read -P 0x77 0 512']);
  assert.match(bad.stdout + bad.stderr, /Pattern verification failed/, 'the check above can fail');
});

test('qemu-img info and compare see the export as written', requireTools('qemu-img', 'qemu-io'), async () => {
  const info = await run('qemu-img', ['info', '--output=json', `nbd://127.0.0.1:${port}/big`]);
  assert.equal(info.code, 0, info.stderr);
  assert.equal((JSON.parse(info.stdout) as { 'virtual-size': number })['virtual-size'], 64 << 20);
  const img = join(dir, 'ref.img');
  writeFileSync(img, Buffer.alloc(64 << 20));
  for (const target of [img, `nbd://127.0.0.1:${port}/big`]) {
    const r = await run('qemu-io', ['-f', 'raw', target, '-c', 'write -P 0xc3 123456 200000']);
    assert.equal(r.code, 0, r.stderr);
  }
  const same = await run('qemu-img', ['compare', '-f', 'raw', '-F', 'raw', img, `nbd://127.0.0.1:${port}/big`]);
  assert.equal(same.code, 0, same.stdout + same.stderr);
  await run('qemu-io', ['-f', 'raw', `nbd://127.0.0.1:${port}/big`, '-c', 'write -P 1 0 4096']);
  const diff = await run('qemu-img', ['compare', '-f', 'raw', '-F', 'raw', img, `nbd://127.0.0.1:${port}/big`]);
  assert.equal(diff.code, 1, 'compare notices a difference');
});

function fioJson(stdout: string): { jobs: Array<{ error: number; read: { io_bytes: number }; write: { io_bytes: number } }> } {
  return JSON.parse(stdout.slice(stdout.indexOf('{'))) as never;
}

for (const form of ['tcp', 'unix'] as const) {
  test(`fio (libnbd) randrw iodepth 16 with crc32c verify over ${form}: zero errors`, requireTools('fio'), async () => {
    const uri = form === 'tcp' ? `nbd://127.0.0.1:${port}/mem` : `nbd+unix:///mem?socket=${sock}`;
    const r = await run('fio', ['--name=v', '--verify_state_save=0', '--ioengine=nbd', `--uri=${uri}`, '--rw=randrw', '--bs=4k', '--iodepth=16', '--size=16m',
      '--verify=crc32c', '--do_verify=1', '--verify_fatal=1', '--output-format=json']);
    assert.equal(r.code, 0, r.stderr);
    const job = fioJson(r.stdout).jobs[0]!;
    assert.equal(job.error, 0);
    assert.ok(job.write.io_bytes > 0 && job.read.io_bytes > 0);
    assert.doesNotMatch(r.stderr, /verify|bad magic|crc32c/i);
  });
}
