/**
 * The data directory lock: one running instance per data directory (docs/processes.md
 * "Starting twice"). `tandem up` (either kind of array) and `tandem-host up` take it
 * before they touch anything of the directory — the state store, leases, the API token
 * and endpoint files, volume files, listening ports — so a second start on a running
 * instance's directory refuses with the holder's pid and changes nothing.
 *
 * The lock is flock(2) LOCK_EX | LOCK_NB on `<dir>/<file>` (the tandem_fs addon, or
 * util-linux flock(1) on our descriptor: native.ts loadFileLock). Why flock and not a
 * pid file: the kernel decides who wins, atomically, so two starts at the same moment
 * cannot both win; the lock belongs to the open file description, so it goes with the
 * holder — on a clean stop, on SIGKILL, on a crash, on a reboot — and no stale lock can
 * outlive its process or be mistaken for a live one through a recycled pid. The file
 * itself stays; its content (one JSON line: pid, what, since, and the API URL once it
 * listens) only names the holder for the message a second start prints. A file with
 * content that the lock no longer guards was left by an instance that did not stop
 * cleanly: `previous` reports it and the new holder takes over.
 *
 * The lock is advisory: it protects against our own programs, which all take it; it
 * is not inherited by the processes a holder forks (Node opens every file O_CLOEXEC).
 */
import { closeSync, constants, fstatSync, ftruncateSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ConflictError } from '../lib/errors.js';
import { loadFileLock, type FileLock } from './native.js';

/** Who holds (or held) the lock, as its file records it. */
export interface LockHolder {
  pid: number;
  /** What runs, e.g. "tandem up (controllers A, B)". */
  what: string;
  /** ISO 8601 time the holder took the lock. */
  since: string;
  /** The holder's management or control API, once it listens. */
  api?: string;
}

/** A second start on a directory a running instance holds. */
export class DataDirInUseError extends ConflictError {
  constructor(readonly dir: string, readonly lockFile: string, readonly holder: LockHolder | undefined, hint: string) {
    super(holder
      ? `data directory ${dir} is in use by ${holder.what}, pid ${holder.pid}, running since ${holder.since}${holder.api ? `, API ${holder.api}` : ''}: ` +
        `nothing of it was touched. Stop it first (Ctrl-C in its terminal, or: kill -TERM ${holder.pid}), or ${hint}`
      : `data directory ${dir} is in use by another running instance (it holds ${lockFile} but has not recorded its pid yet): nothing of it was touched. ` +
        `Stop it first, or ${hint}`);
  }
}

export interface AcquireOptions {
  dir: string;
  /** The lock file's name in `dir`. */
  file: string;
  /** What the holder is, for a second start's message ("tandem up (controllers A, B)"). */
  what: string;
  /** The end of the refusal: what else the operator may do ("start this one with another --data-dir"). */
  hint: string;
  lock?: FileLock;
  now?: () => Date;
  pid?: number;
  /** How long a loser waits for a winner that has the lock but has not written its pid yet. */
  holderWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const parseHolder = (text: string): LockHolder | undefined => {
  try {
    const j = JSON.parse(text) as Partial<LockHolder>;
    if (typeof j.pid !== 'number' || typeof j.what !== 'string' || typeof j.since !== 'string') return undefined;
    return { pid: j.pid, what: j.what, since: j.since, ...(typeof j.api === 'string' ? { api: j.api } : {}) };
  } catch {
    return undefined;
  }
};

export class DataDirLock {
  private fd: number | undefined;
  private holder: LockHolder;

  private constructor(fd: number, readonly path: string, holder: LockHolder, readonly previous: LockHolder | undefined) {
    this.fd = fd;
    this.holder = holder;
  }

  /**
   * Takes the lock of `o.dir` (created when missing) or throws DataDirInUseError naming
   * the holder. Nothing else in the directory is read or written.
   */
  static async acquire(o: AcquireOptions): Promise<DataDirLock> {
    const lock = o.lock ?? loadFileLock();
    const path = join(o.dir, o.file);
    mkdirSync(o.dir, { recursive: true });
    const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
    let locked: boolean;
    try {
      locked = lock.tryLockExclusive(fd);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    if (!locked) {
      closeSync(fd);
      throw new DataDirInUseError(o.dir, path, await readHolder(path, o.holderWaitMs ?? 1000, o.sleep), o.hint);
    }
    const previous = parseHolder(readAll(fd));
    const holder: LockHolder = { pid: o.pid ?? process.pid, what: o.what, since: (o.now ?? (() => new Date()))().toISOString() };
    const l = new DataDirLock(fd, path, holder, previous);
    l.write();
    return l;
  }

  /** Adds what a second start should also name (the API URL once it listens). */
  note(extra: Pick<LockHolder, 'api'>): void {
    this.holder = { ...this.holder, ...extra };
    this.write();
  }

  /** Clean stop: empties the file (nothing stale is left to report) and drops the lock. */
  release(): void {
    const fd = this.fd;
    if (fd === undefined) return;
    this.fd = undefined;
    try {
      ftruncateSync(fd, 0);
    } finally {
      closeSync(fd);
    }
  }

  private write(): void {
    if (this.fd === undefined) return;
    const line = Buffer.from(`${JSON.stringify(this.holder)}\n`);
    ftruncateSync(this.fd, 0);
    writeSync(this.fd, line, 0, line.length, 0);
    fsyncSync(this.fd);
  }
}

function readAll(fd: number): string {
  const size = fstatSync(fd).size;
  if (size === 0) return '';
  const buf = Buffer.alloc(Math.min(size, 64 * 1024));
  const n = readSync(fd, buf, 0, buf.length, 0);
  return buf.subarray(0, n).toString('utf8');
}

/** Does process `pid` exist? (signal 0: EPERM means it does, but is not ours to signal) */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The holder's record. A winner that has just taken the lock writes it within moments;
 * until then the file may still hold the record of a dead predecessor, which is not
 * the holder: only a record of a live process counts.
 */
async function readHolder(path: string, waitMs: number, sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))): Promise<LockHolder | undefined> {
  for (let waited = 0; ; waited += 20) {
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch { /* gone or unreadable: no name to give */ }
    const h = parseHolder(text);
    if (h && processExists(h.pid)) return h;
    if (waited >= waitMs) return undefined;
    await sleep(20);
  }
}
