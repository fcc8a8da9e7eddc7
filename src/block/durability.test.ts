/**
 * Crash test for the durability contract (block-device.ts): "write() resolves only after
 * the data would survive a SIGKILL of this process". A child process writes numbered
 * blocks through FileDevice with several writes in flight and prints each LBA right after
 * its write() resolved; we SIGKILL it mid-stream, reopen the file and check that every
 * acknowledged block reads back exactly.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { FileDevice } from './file-device.js';
import { loadFsNative } from './native.js';

const BS = 4096;
const ACKS_BEFORE_KILL = 400;

/** The block the child writes at `lba`: the LBA stamped at both ends, filler in between. */
function numberedBlock(lba: number): Buffer {
  const b = Buffer.alloc(BS, (lba * 13 + 7) & 0xff);
  b.writeUInt32BE(lba, 0);
  b.writeUInt32BE(lba, BS - 4);
  return b;
}

const childSource = (fileDeviceUrl: string, nativeUrl: string): string => `
import { FileDevice } from ${JSON.stringify(fileDeviceUrl)};
import { loadFsNative } from ${JSON.stringify(nativeUrl)};
const BS = ${BS};
${numberedBlock.toString()}
const dev = await FileDevice.open(process.env.TANDEM_CRASH_FILE, { blockSize: BS, native: loadFsNative({ quiet: true }) });
const blocks = dev.sizeBytes / BS;
let next = 0;
async function worker() {
  while (next < blocks) {
    const lba = next++;
    await dev.write(lba * BS, numberedBlock(lba));
    process.stdout.write(lba + '\\n');
  }
}
process.stdout.write('ready\\n');
await Promise.all(Array.from({ length: 8 }, worker));
process.stdout.write('done\\n');
`;

it('every write acknowledged before a SIGKILL reads back after reopening', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-crash-'));
  const path = join(dir, 'crash.img');
  try {
    // 1 GiB sparse: far more blocks than the child can write before it is killed.
    const created = await FileDevice.create(path, { sizeBytes: 1024 * 1024 * 1024, blockSize: BS, native: loadFsNative({ quiet: true }) });
    await created.close();

    const code = childSource(new URL('./file-device.js', import.meta.url).href, new URL('./native.js', import.meta.url).href);
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      env: { ...process.env, TANDEM_CRASH_FILE: path },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked = new Set<number>();
    let pending = '';
    let stderr = '';
    let sawDone = false;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') continue;
        if (line === 'done') sawDone = true;
        else acked.add(Number(line));
      }
      if (acked.size >= ACKS_BEFORE_KILL && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((res) => child.on('close', (c, s) => res([c, s])));
    assert.equal(signal, 'SIGKILL', `child was killed mid-stream (exit ${exitCode}, stderr: ${stderr})`);
    assert.equal(sawDone, false, 'the child had not finished');
    assert.ok(acked.size >= ACKS_BEFORE_KILL, `acks received: ${acked.size}`);

    const dev = await FileDevice.open(path, { blockSize: BS, native: loadFsNative({ quiet: true }) });
    try {
      const lost: number[] = [];
      for (const lba of [...acked].sort((a, b) => a - b)) {
        if (!(await dev.read(lba * BS, BS)).equals(numberedBlock(lba))) lost.push(lba);
      }
      assert.deepEqual(lost, [], `acknowledged blocks lost after SIGKILL (of ${acked.size})`);
    } finally {
      await dev.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
