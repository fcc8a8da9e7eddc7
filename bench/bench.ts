// Benchmark: Tandem and tgt side by side in one run, same clients, RAM-backed volumes
// (/dev/shm). Prints IOPS, MiB/s and target CPU per I/O for each workload and the
// Tandem/tgt ratio. Not part of the tests: performance is measured, never asserted.
//
//   npm run bench [-- --seconds 10 --rounds 1]
import { readFileSync } from 'node:fs';
import { startArray } from '../test/support/tandem.js';
import { startTgt } from '../test/support/tgt.js';
import { run } from '../test/support/run.js';

interface Target { name: string; url: string; pid: number }
interface Sample { iops: number; mibs: number; cpuUsPerIo: number }
interface Workload { name: string; client: string; ioBytes: number; exec: (t: Target) => Promise<{ ios: number; seconds: number }> }

const args = process.argv.slice(2);
const opt = (k: string, d: number) => { const i = args.indexOf(`--${k}`); return i >= 0 ? Number(args[i + 1]) : d; };
const SECONDS = opt('seconds', 8);
const INITIATOR = 'iqn.2026-11.io.tandem:bench';
const SIZE = 1024 * 1024 * 1024;
// A step that is coprime with the volume size in 4 KiB units scatters qemu-img bench's
// requests over the whole volume (qemu-img bench has no random mode).
const SCATTER = 4096 * 7919;

/** CPU seconds (user+system) consumed so far by a process and its threads. */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / 100; // utime, stime in clock ticks (USER_HZ=100)
}

function iscsiPerf(blocks: number, depth: number, random: boolean): Workload['exec'] {
  return async (t) => {
    const r = await run('iscsi-perf', ['-i', INITIATOR, '-m', String(depth), '-b', String(blocks), ...(random ? ['-r'] : []), '-t', String(SECONDS), t.url], { timeoutMs: (SECONDS + 30) * 1000 });
    const all = r.stdout + r.stderr;
    const m = /iops average (\d+)/g;
    let last: RegExpExecArray | null = null;
    for (let x = m.exec(all); x; x = m.exec(all)) last = x;
    if (!last) throw new Error(`iscsi-perf gave no result for ${t.name}: ${all.slice(-500)}`);
    return { ios: Number(last[1]) * SECONDS, seconds: SECONDS };
  };
}

function qemuBench(write: boolean, size: number, depth: number, count: number, step: number): Workload['exec'] {
  return async (t) => {
    const r = await run('qemu-img', ['bench', ...(write ? ['-w'] : []), '-f', 'raw', '-c', String(count), '-d', String(depth), '-s', String(size), '-S', String(step), t.url], {
      timeoutMs: 600_000, env: { ...process.env, LIBISCSI_INITIATOR_NAME: INITIATOR },
    });
    const m = /Run completed in ([\d.]+) seconds/.exec(r.stdout + r.stderr);
    if (!m) throw new Error(`qemu-img bench gave no result for ${t.name}: ${r.stdout}${r.stderr}`);
    return { ios: count, seconds: Number(m[1]) };
  };
}

const K4 = 4096;
const M1 = 1024 * 1024;
const workloads: Workload[] = [
  { name: '4 KiB random read QD1', client: 'iscsi-perf', ioBytes: K4, exec: iscsiPerf(8, 1, true) },
  { name: '4 KiB random read QD32', client: 'iscsi-perf', ioBytes: K4, exec: iscsiPerf(8, 32, true) },
  { name: '1 MiB sequential read QD8', client: 'iscsi-perf', ioBytes: M1, exec: iscsiPerf(2048, 8, false) },
  { name: '4 KiB random read QD1', client: 'qemu-img bench', ioBytes: K4, exec: qemuBench(false, K4, 1, 20000, SCATTER) },
  { name: '4 KiB random read QD32', client: 'qemu-img bench', ioBytes: K4, exec: qemuBench(false, K4, 32, 100000, SCATTER) },
  { name: '4 KiB random write QD1', client: 'qemu-img bench', ioBytes: K4, exec: qemuBench(true, K4, 1, 20000, SCATTER) },
  { name: '4 KiB random write QD32', client: 'qemu-img bench', ioBytes: K4, exec: qemuBench(true, K4, 32, 100000, SCATTER) },
  { name: '1 MiB sequential read QD8', client: 'qemu-img bench', ioBytes: M1, exec: qemuBench(false, M1, 8, 3000, M1) },
  { name: '1 MiB sequential write QD8', client: 'qemu-img bench', ioBytes: M1, exec: qemuBench(true, M1, 8, 3000, M1) },
];

async function measure(w: Workload, t: Target): Promise<Sample> {
  const c0 = cpuSeconds(t.pid);
  const { ios, seconds } = await w.exec(t);
  const cpu = cpuSeconds(t.pid) - c0;
  return { iops: ios / seconds, mibs: (ios * w.ioBytes) / seconds / M1, cpuUsPerIo: (cpu * 1e6) / ios };
}

async function main(): Promise<void> {
  const dataDir = `/dev/shm/tandem-bench-${process.pid}`;
  const arr = await startArray({ dataDir, controllers: 1 });
  const tgt = await startTgt({ sizeBytes: SIZE });
  const tgtPid = Number((await run('pgrep', ['-n', 'tgtd'])).stdout.trim());
  const targets: Target[] = [
    { name: 'tgt', url: tgt.url(1), pid: tgtPid },
    { name: 'tandem', url: arr.url(0), pid: arr.child.pid! },
  ];
  try {
    // Fill both volumes so reads hit written data, not holes.
    for (const t of targets) await qemuBench(true, M1, 8, SIZE / M1, M1)(t);
    const rows: string[] = [];
    for (const w of workloads) {
      const [a, b] = [await measure(w, targets[0]!), await measure(w, targets[1]!)];
      const row = `| ${w.name} | ${w.client} | ${a.iops.toFixed(0)} | ${a.mibs.toFixed(1)} | ${a.cpuUsPerIo.toFixed(1)} | ${b.iops.toFixed(0)} | ${b.mibs.toFixed(1)} | ${b.cpuUsPerIo.toFixed(1)} | **${(b.iops / a.iops).toFixed(2)}** |`;
      rows.push(row);
      process.stderr.write(`${row}\n`);
    }
    process.stdout.write([
      `Tandem vs tgt, RAM-backed 1 GiB volumes (/dev/shm), ${new Date().toISOString()}, ${SECONDS} s per iscsi-perf run`,
      '',
      '| workload | client | tgt IOPS | tgt MiB/s | tgt CPU µs/IO | Tandem IOPS | Tandem MiB/s | Tandem CPU µs/IO | Tandem/tgt |',
      '|---|---|---|---|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'));
  } finally {
    await tgt.stop();
    await arr.stop();
    await run('rm', ['-rf', dataDir]);
  }
}

await main();
