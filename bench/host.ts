// Host-agent benchmark: the same fio jobs (libnbd engine) through `tandem-host` (our
// initiator + multipath + NBD) and through nbdkit's memory plugin, plus the array's raw
// iSCSI speed measured with qemu-img bench (libiscsi) against the same volume, so the
// agent's own overhead is visible. Not part of the tests.
//
//   npm run bench:host [-- --seconds 8]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseHostConfig } from '../src/host/config.js';
import { runHostAgent } from '../src/host/run-agent.js';
import { silentLogger } from '../src/lib/logger.js';
import { freePort } from '../test/support/ports.js';
import { run } from '../test/support/run.js';
import { startArray } from '../test/support/tandem.js';

const args = process.argv.slice(2);
const SECONDS = (() => { const i = args.indexOf('--seconds'); return i >= 0 ? Number(args[i + 1]) : 8; })();
const SIZE = '512m';

interface Job { name: string; rw: string; bs: string; depth: number; ioBytes: number }
const jobs: Job[] = [
  { name: '4 KiB random read QD16', rw: 'randread', bs: '4k', depth: 16, ioBytes: 4096 },
  { name: '4 KiB random write QD16', rw: 'randwrite', bs: '4k', depth: 16, ioBytes: 4096 },
  { name: '1 MiB sequential read QD8', rw: 'read', bs: '1m', depth: 8, ioBytes: 1 << 20 },
  { name: '1 MiB sequential write QD8', rw: 'write', bs: '1m', depth: 8, ioBytes: 1 << 20 },
];

async function fio(uri: string, j: Job, size = SIZE): Promise<number> {
  const r = await run('fio', ['--name=b', '--ioengine=nbd', `--uri=${uri}`, `--rw=${j.rw}`, `--bs=${j.bs}`, `--iodepth=${j.depth}`, `--size=${size}`,
    ...(size === SIZE ? ['--time_based', `--runtime=${SECONDS}`] : []), '--output-format=json', '--verify_state_save=0'], { timeoutMs: (SECONDS + 60) * 1000 });
  const out = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { jobs: Array<{ read: { iops: number }; write: { iops: number } }> };
  const job = out.jobs[0]!;
  return job.read.iops + job.write.iops;
}

async function qemuBench(url: string, j: Job): Promise<number> {
  const write = j.rw.includes('write');
  const size = j.ioBytes;
  const count = size === 4096 ? 40000 : 1500;
  const step = j.rw.startsWith('rand') ? 4096 * 7919 : size;
  const r = await run('qemu-img', ['bench', ...(write ? ['-w'] : []), '-f', 'raw', '-c', String(count), '-d', String(j.depth), '-s', String(size), '-S', String(step), url], { timeoutMs: 600_000 });
  const m = /Run completed in ([\d.]+) seconds/.exec(r.stdout + r.stderr);
  if (!m) throw new Error(`qemu-img bench: ${r.stdout}${r.stderr}`);
  return count / Number(m[1]);
}

async function main(): Promise<void> {
  const dir = mkdtempSync('/dev/shm/tandem-hostbench-');
  const arr = await startArray({ dataDir: join(dir, 'array'), controllers: 1 });
  const nbdkitPort = await freePort();
  const nbdkit = spawn('nbdkit', ['--foreground', '--exit-with-parent', '-i', '127.0.0.1', '-p', String(nbdkitPort), 'memory', '1G'], { stdio: 'ignore' });
  const host = await runHostAgent(parseHostConfig({
    arrays: [{ name: 'a1', portals: [arr.portal], initiatorName: 'iqn.2026-11.io.tandem:hostbench' }],
    nbd: { tcp: '127.0.0.1:0' },
    multipath: { selector: 'round-robin', checkerIntervalMs: 2000, noPathRetryMs: 60_000, explicitFailover: false },
    api: '127.0.0.1:0',
    dataDir: join(dir, 'host'),
  }), { logger: silentLogger() });
  try {
    await new Promise((r) => setTimeout(r, 500));
    const hostUri = `nbd://127.0.0.1:${host.agent.nbd.tcpAddress!.port}/tandem0`;
    const nbdkitUri = `nbd://127.0.0.1:${nbdkitPort}/`;
    // Fill the whole volume so reads hit data everywhere (qemu's iSCSI driver skips
    // reading ranges that GET LBA STATUS reports unmapped, which would flatter the raw row).
    await fio(hostUri, { name: 'fill', rw: 'write', bs: '1m', depth: 8, ioBytes: 1 << 20 }, '1g');
    const rows: string[] = [];
    for (const j of jobs) {
      const viaHost = await fio(hostUri, j);
      const viaNbdkit = await fio(nbdkitUri, j);
      const raw = await qemuBench(arr.url(0), j);
      const mib = (iops: number) => ((iops * j.ioBytes) / (1 << 20)).toFixed(0);
      rows.push(`| ${j.name} | ${viaHost.toFixed(0)} (${mib(viaHost)} MiB/s) | ${viaNbdkit.toFixed(0)} (${mib(viaNbdkit)} MiB/s) | ${raw.toFixed(0)} (${mib(raw)} MiB/s) | ${(viaHost / raw).toFixed(2)} |`);
      process.stderr.write(`${rows[rows.length - 1]}\n`);
    }
    process.stdout.write([
      `tandem-host vs nbdkit memory vs raw iSCSI (qemu-img bench/libiscsi), ${new Date().toISOString()}, fio ${SECONDS} s per job, volume on /dev/shm`,
      '',
      '| workload | fio → tandem-host → iSCSI → Tandem | fio → nbdkit memory | qemu-img bench → Tandem (raw iSCSI) | agent/raw |',
      '|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'));
  } finally {
    await host.stop();
    nbdkit.kill();
    await arr.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
