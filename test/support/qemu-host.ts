// A host stack we did not write, for judging failover: QEMU's iSCSI block driver
// (libiscsi underneath) logged in through ONE portal address, exported by qemu-nbd on a
// unix socket, with fio --ioengine=nbd --verify=crc32c on top. QEMU's iSCSI driver
// retries only UNIT ATTENTION (at once) and BUSY, TASK SET FULL and its own timeout
// (with a back-off), and reconnects to the same address when the connection drops
// (libiscsi re-sends the commands in flight); everything else — NOT READY 04h/0Ah,
// HARDWARE ERROR, LOGICAL UNIT NOT SUPPORTED — fails the request with EIO. It has no
// ALUA at all. So a drill passes only if the array itself hides the failover.
//
//   const q = await startQemuNbd({ portal: '127.0.0.1:3260', iqn, initiator, dir });
//   const fio = runFio(q.uri, { name: 'kill', runtimeS: 8 });
//   ... fault ...
//   const r = await fio.done;            // r.errors, r.verifyErrors, r.worstLatencyMs
//   q.stderr()                           // "iSCSI WRITE10/16 failed ...", retries logged
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface QemuHost {
  /** The NBD URI fio (or nbdinfo, qemu-io) connects to. */
  uri: string;
  /** Everything qemu-nbd wrote on stderr (libiscsi's retries and QEMU's failed requests). */
  stderr(): string;
  /** The lines (from offset `since` of stderr()) where QEMU failed a request back to its user: the errors a guest would see. */
  failedRequests(since?: number): string[];
  /** Lines from `since` on (an offset from stderr().length). */
  stderrSince(since: number): string;
  stop(): Promise<void>;
}

export interface QemuHostOptions {
  /** host:port of the ONE portal QEMU logs in through (and reconnects to). */
  portal: string;
  iqn: string;
  lun?: number;
  initiator: string;
  /** Folder for the unix socket. */
  dir: string;
  /**
   * QEMU's per-command timeout, s (libiscsi: a command without an answer by then is
   * retried after a reconnect). Default 30: the SCSI command timeout of a Linux host.
   */
  timeoutS?: number;
  /** How long to wait for qemu-nbd's first login, ms (default 20000). */
  openTimeoutMs?: number;
}

/** The lines in which QEMU's iSCSI driver reports a request failed to the block layer (a guest's EIO). */
const FAILED = /iSCSI: .*failed|iSCSI .*failed at lba|Failed to|error while|failed: SENSE KEY/i;

/** Starts qemu-nbd on an iscsi:// node; resolves once it serves the socket, or rejects with its stderr. */
export async function startQemuNbd(o: QemuHostOptions): Promise<QemuHost> {
  const socket = join(o.dir, `qemu-${process.pid}-${Date.now()}.sock`);
  const node = [
    'driver=iscsi', 'transport=tcp', `portal=${o.portal}`, `target=${o.iqn}`, `lun=${o.lun ?? 0}`,
    `initiator-name=${o.initiator}`, `timeout=${o.timeoutS ?? 30}`,
  ].join(',');
  // -t: keep serving across NBD clients (one fio after another); --shared: several at once.
  const child: ChildProcess = spawn('qemu-nbd', ['-t', '--shared=8', '-k', socket, '--image-opts', node], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stdout!.on('data', (d) => (err += d));
  child.stderr!.on('data', (d) => (err += d));
  const deadline = Date.now() + (o.openTimeoutMs ?? 20_000);
  while (!existsSync(socket)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`qemu-nbd exited (${child.exitCode ?? child.signalCode}) before serving:\n${err}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`qemu-nbd did not serve ${socket} within ${o.openTimeoutMs ?? 20_000} ms:\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    uri: `nbd+unix:///?socket=${socket}`,
    stderr: () => err,
    stderrSince: (since) => err.slice(since),
    failedRequests: (since = 0) => err.slice(since).split('\n').filter((l) => FAILED.test(l)),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(t);
    },
  };
}

export interface FioOptions {
  name: string;
  /** Seconds of I/O (time_based). */
  runtimeS: number;
  /** Region written and verified (default 32m). */
  size?: string;
  bs?: string;
  iodepth?: number;
  /** Extra fio arguments. */
  extra?: string[];
  /** Kill fio after this long, s (default runtimeS + 90: a hung host is a failed drill, not a hung test). */
  killAfterS?: number;
}

export interface FioResult {
  code: number | null;
  /** I/O errors fio counted (it continues after each: --continue_on_error=all). */
  errors: number;
  /** Verify failures fio reported (crc32c mismatch, bad header). */
  verifyErrors: string[];
  writeBytes: number;
  readBytes: number;
  /** The slowest completion of any request, ms: the pause a host saw. */
  worstLatencyMs: number;
  stderr: string;
  /** fio's JSON (jobs[0]) for diagnostics. */
  job: unknown;
}

interface FioJobJson {
  error: number;
  total_err?: number;
  read: { io_bytes: number; clat_ns: { max: number } };
  write: { io_bytes: number; clat_ns: { max: number } };
}

/**
 * fio random writes with crc32c verification on the NBD export: verify_backlog re-reads
 * acknowledged blocks while writing, and the rest are verified when the time is up.
 * Every error is counted rather than stopping the job, so a drill reports how many.
 */
export function runFio(uri: string, o: FioOptions): { done: Promise<FioResult>; kill(): void } {
  const args = [
    `--name=${o.name}`, '--ioengine=nbd', `--uri=${uri}`, '--rw=randwrite', `--bs=${o.bs ?? '4k'}`, `--iodepth=${o.iodepth ?? 8}`,
    `--size=${o.size ?? '32m'}`, '--time_based', `--runtime=${o.runtimeS}`, '--verify=crc32c', '--do_verify=1', '--verify_backlog=256',
    '--verify_fatal=0', '--continue_on_error=all', '--verify_state_save=0', '--output-format=json', ...(o.extra ?? []),
  ];
  const c = spawn('fio', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  c.stdout.on('data', (d) => (stdout += d));
  c.stderr.on('data', (d) => (stderr += d));
  const killer = setTimeout(() => c.kill('SIGKILL'), (o.killAfterS ?? o.runtimeS + 90) * 1000);
  const done = new Promise<FioResult>((resolve) => {
    c.once('close', (code) => {
      clearTimeout(killer);
      let job: FioJobJson | undefined;
      try {
        job = (JSON.parse(stdout.slice(stdout.indexOf('{'))) as { jobs: FioJobJson[] }).jobs[0];
      } catch { /* no JSON: fio died; the code and stderr say why */ }
      const verifyErrors = `${stderr}\n${stdout}`.split('\n').filter((l) => /verify|crc32c|bad magic|bad header/i.test(l) && /fail|bad|mismatch/i.test(l));
      resolve({
        code,
        errors: job ? Math.max(job.total_err ?? 0, job.error !== 0 ? 1 : 0) : Number.NaN,
        verifyErrors,
        writeBytes: job?.write.io_bytes ?? 0,
        readBytes: job?.read.io_bytes ?? 0,
        worstLatencyMs: job ? Math.max(job.write.clat_ns.max, job.read.clat_ns.max) / 1e6 : Number.NaN,
        stderr,
        job,
      });
    });
  });
  return { done, kill: () => c.kill('SIGKILL') };
}

/**
 * Writes the region once (1 MiB sequential writes). Do this before verify runs on a new
 * thin volume: qemu-nbd answers NBD reads with block status (GET LBA STATUS) until QEMU
 * knows a region is allocated, which costs every 4 KiB verify read a second round trip.
 */
export async function fillRegion(uri: string, size = '32m'): Promise<void> {
  const c = spawn('fio', ['--name=fill', '--ioengine=nbd', `--uri=${uri}`, '--rw=write', '--bs=1m', '--iodepth=4', `--size=${size}`, '--output-format=json'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  c.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((r) => c.once('close', r));
  if (code !== 0) throw new Error(`fio fill of ${uri} failed (${code}): ${stderr}`);
}

/** One line for a drill's diagnostics. */
export function describeFio(r: FioResult): string {
  return `fio: ${r.errors} error(s), ${r.verifyErrors.length} verify failure(s), wrote ${(r.writeBytes / 2 ** 20).toFixed(1)} MiB, ` +
    `verified ${(r.readBytes / 2 ** 20).toFixed(1)} MiB, worst completion ${r.worstLatencyMs.toFixed(0)} ms`;
}
