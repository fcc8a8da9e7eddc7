/**
 * A BlockDevice on a sparse regular file (see block-device.ts for the contract).
 *
 * I/O goes straight to the kernel with positional pread/pwrite on one fd through the
 * libuv thread pool, so independent requests run concurrently and nothing is buffered
 * in this process: write() resolves after pwrite returned, which survives a SIGKILL.
 *  - `fua`  → pwrite, then fdatasync (joined with concurrent flushes, see requestSync).
 *  - flush() → fdatasync. "flush() resolves after every write that resolved before the
 *    call is on stable storage": a caller never joins an fdatasync that had already
 *    started before it called; it starts one or joins the single queued one.
 *  - A failed fdatasync poisons the device for writes and flushes: after an fsync error
 *    Linux may drop the dirty pages and report success next time, so a later "OK" would
 *    be a lie.
 *  - discard() punches a hole (FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE); when the file
 *    system cannot punch, it writes zeros instead, so the range still reads back zeros.
 *  - allocationStatus() walks lseek(SEEK_DATA/SEEK_HOLE); extents are widened to whole
 *    logical blocks (a partly allocated block counts as mapped).
 *  - Thick (`thin: false`): the whole file is reserved with fallocate (no zeros written)
 *    at create and on growth; discard punches and re-reserves, so the range reads zeros
 *    and the space stays set aside; allocation is reported fully mapped.
 *  - close() waits for in-flight requests before closing the fd, so a queued pwrite can
 *    never land in another file that reused the descriptor number.
 *  - Memory-backed files (tmpfs/ramfs, found with statfs at open): pread/pwrite are a
 *    memcpy that never waits for a disk, so they run synchronously on the calling thread
 *    (readSync/writeSync) instead of through the libuv thread pool, whose hand-off (queue,
 *    futex wake, completion wake-up of the event loop) costs more than the copy itself.
 *    write() still resolves only after pwrite returned; FUA and flush still fdatasync.
 *    Files on real disks always use the thread pool: a page-cache miss must not stall
 *    the event loop. `syncIo` in the options overrides the detection (tests).
 *  - Small reads are carved from a per-device slab (like Buffer's own pool) instead of one
 *    ArrayBuffer each, which keeps external-memory churn (and so GC) down. Large reads via
 *    readLeased() reuse buffers their previous holder released.
 * Errors from the kernel (EIO, ENOSPC…) reject with Node's ErrnoException (`code`).
 */
import * as fs from 'node:fs';
import { dirname } from 'node:path';
import { extentsFromMappedRuns } from './extents.js';
import type { AllocationExtent, BlockDevice, ReadLease } from './block-device.js';
import { loadFsNative, type FsNative } from './native.js';
import { closeFd, fdatasync, fstat, fsyncFd, ftruncate, openFd, pread, pwrite } from './fs-calls.js';
import { ReadBuffers } from './read-buffers.js';

export type FileBlockSize = 512 | 4096;

export interface FileDeviceOptions {
  blockSize: FileBlockSize;
  /** The addon wrapper; the daemon passes one shared instance. Default: loadFsNative(). */
  native?: FsNative;
  /** Sparse (default) or thick: space reserved up front with fallocate. Give the same on open. */
  thin?: boolean;
  /** Synchronous pread/pwrite (default: only when the file is on tmpfs/ramfs). */
  syncIo?: boolean;
}

/** statfs f_type of file systems whose data lives in RAM (linux/magic.h). */
const MEMORY_FS_TYPES: ReadonlySet<number> = new Set([0x01021994 /* TMPFS_MAGIC */, 0x858458f6 /* RAMFS_MAGIC */]);
/** Largest request done synchronously on a memory-backed file (bigger ones use the pool). */
const SYNC_IO_MAX = 1024 * 1024;


const ZERO_CHUNK = 1024 * 1024;
const noop = (): void => {};

async function onMemoryFs(path: string): Promise<boolean> {
  try {
    const st = await fs.promises.statfs(path);
    return MEMORY_FS_TYPES.has(Number(st.type));
  } catch {
    return false;
  }
}

function checkBlockSize(blockSize: number): asserts blockSize is FileBlockSize {
  if (blockSize !== 512 && blockSize !== 4096) throw new RangeError(`block size must be 512 or 4096, got ${blockSize}`);
}
function checkSize(sizeBytes: number, blockSize: number): void {
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0 || sizeBytes % blockSize !== 0) {
    throw new RangeError(`size ${sizeBytes} must be a non-negative multiple of the ${blockSize}-byte block size`);
  }
}

/** fsync the directory so a newly created file's name survives a power loss. */
async function syncDir(path: string): Promise<void> {
  const dfd = await openFd(dirname(path), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    await fsyncFd(dfd);
  } finally {
    await closeFd(dfd);
  }
}

export class FileDevice implements BlockDevice {
  private _size: number;
  private closing: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private syncInFlight: Promise<void> | undefined;
  private syncQueued: Promise<void> | undefined;
  private syncFailure: Error | undefined;
  private readonly buffers = new ReadBuffers();
  /** Released read buffers by length (see readLeased). */

  private constructor(
    readonly path: string,
    private readonly fd: number,
    readonly blockSize: FileBlockSize,
    sizeBytes: number,
    private readonly native: FsNative,
    readonly thin: boolean,
    /** pread/pwrite on the calling thread (memory-backed file), see the file comment. */
    readonly syncIo: boolean,
  ) {
    this._size = sizeBytes;
  }

  /**
   * Creates a new file of sizeBytes (ftruncate; no zeros written; thick: fallocate reserves
   * the space, failing with ENOSPC up front). Fails with EEXIST when the file exists.
   */
  static async create(path: string, opts: { sizeBytes: number } & FileDeviceOptions): Promise<FileDevice> {
    checkBlockSize(opts.blockSize);
    checkSize(opts.sizeBytes, opts.blockSize);
    const native = opts.native ?? loadFsNative();
    const fd = await openFd(path, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
    try {
      await ftruncate(fd, opts.sizeBytes);
      if (opts.thin === false) await native.allocate(fd, path, 0, opts.sizeBytes);
      await fsyncFd(fd);
      await syncDir(path);
    } catch (err) {
      await closeFd(fd).catch(noop);
      await fs.promises.unlink(path).catch(noop);
      throw err;
    }
    const syncIo = opts.syncIo ?? (await onMemoryFs(path));
    return new FileDevice(path, fd, opts.blockSize, opts.sizeBytes, native, opts.thin ?? true, syncIo);
  }

  /** Opens an existing file; the capacity is the file's size (a multiple of blockSize). */
  static async open(path: string, opts: FileDeviceOptions): Promise<FileDevice> {
    checkBlockSize(opts.blockSize);
    const native = opts.native ?? loadFsNative();
    const fd = await openFd(path, fs.constants.O_RDWR);
    try {
      const st = await fstat(fd);
      if (!st.isFile()) throw new Error(`${path} is not a regular file`);
      if (st.size % opts.blockSize !== 0) {
        throw new RangeError(`${path} is ${st.size} bytes, not a multiple of the ${opts.blockSize}-byte block size`);
      }
      const syncIo = opts.syncIo ?? (await onMemoryFs(path));
      return new FileDevice(path, fd, opts.blockSize, st.size, native, opts.thin ?? true, syncIo);
    } catch (err) {
      await closeFd(fd).catch(noop);
      throw err;
    }
  }

  get sizeBytes(): number {
    return this._size;
  }

  /** Whether discard/allocationStatus use the native addon (false: fallback). */
  get nativeAllocation(): boolean {
    return this.native.native;
  }

  private check(offset: number, length: number): void {
    const bs = this.blockSize;
    if (
      !Number.isSafeInteger(offset) || !Number.isSafeInteger(length) ||
      offset < 0 || length < 0 || offset % bs !== 0 || length % bs !== 0 || offset + length > this._size
    ) {
      throw new RangeError(`bad range ${offset}+${length} on a ${this._size}-byte device of ${bs}-byte blocks`);
    }
  }

  /** Runs fn registered as in flight, so close() and a shrinking resize() can wait for it. */
  private track<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new Error(`block device ${this.path} is closed`));
    const p = fn();
    this.inFlight.add(p);
    const done = (): void => {
      this.inFlight.delete(p);
    };
    p.then(done, done);
    return p;
  }

  /** Settles when every request in flight now has finished (later ones are not waited for). */
  private async settleInFlight(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  async read(offset: number, length: number): Promise<Buffer> {
    this.check(offset, length);
    if (length === 0) return Buffer.alloc(0);
    if (this.syncIo && length <= SYNC_IO_MAX) {
      if (this.closing) throw new Error(`block device ${this.path} is closed`);
      const buf = this.buffers.forRead(length);
      this.fillSync(buf, offset);
      return buf;
    }
    return this.track(async () => {
      const buf = this.buffers.forRead(length);
      await this.fillAsync(buf, offset);
      return buf;
    });
  }

  /**
   * read() into a buffer taken from a small per-device pool; release() returns it.
   * A buffer is only ever in the pool after its holder released it, so no two readers
   * share one. Requests the pool does not cover get a fresh buffer (release is a no-op).
   */
  async readLeased(offset: number, length: number): Promise<ReadLease> {
    this.check(offset, length);
    const lease = length === 0 ? undefined : this.buffers.lease(length, () => this.closing !== undefined);
    if (!lease) return { data: await this.read(offset, length), release: noop };
    const { data: leased, release } = lease;
    if (this.syncIo) {
      if (this.closing) throw new Error(`block device ${this.path} is closed`);
      this.fillSync(leased, offset);
      return { data: leased, release };
    }
    return this.track(async () => {
      await this.fillAsync(leased, offset);
      return { data: leased, release };
    });
  }

  private fillSync(buf: Buffer, offset: number): void {
    const length = buf.length;
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, buf, done, length - done, offset + done);
      if (n === 0) {
        buf.fill(0, done);
        break;
      }
      done += n;
    }
  }

  private async fillAsync(buf: Buffer, offset: number): Promise<void> {
    const length = buf.length;
    let done = 0;
    while (done < length) {
      const n = await pread(this.fd, buf, done, length - done, offset + done);
      if (n === 0) {
        // End of file inside the device (the file was shrunk under us): reads as zeros.
        buf.fill(0, done);
        break;
      }
      done += n;
    }
  }

  async write(offset: number, data: Buffer, opts?: { fua?: boolean }): Promise<void> {
    this.check(offset, data.length);
    if (this.syncFailure) throw this.syncFailure;
    if (this.syncIo && data.length <= SYNC_IO_MAX) {
      if (this.closing) throw new Error(`block device ${this.path} is closed`);
      let done = 0;
      while (done < data.length) done += fs.writeSync(this.fd, data, done, data.length - done, offset + done);
    } else if (data.length > 0) await this.track(() => this.writeAll(offset, data));
    if (opts?.fua) await this.requestSync();
  }

  private async writeAll(offset: number, data: Buffer): Promise<void> {
    let done = 0;
    while (done < data.length) {
      done += await pwrite(this.fd, data, done, data.length - done, offset + done);
    }
  }

  async flush(): Promise<void> {
    await this.requestSync();
  }

  /**
   * Group commit: start an fdatasync now when none runs; otherwise share the one queued
   * behind the running one (it starts after this call, so it covers this caller's writes).
   */
  private requestSync(): Promise<void> {
    if (this.syncFailure) return Promise.reject(this.syncFailure);
    if (this.syncInFlight === undefined) return this.startSync();
    if (this.syncQueued === undefined) {
      this.syncQueued = this.syncInFlight.then(noop, noop).then(() => {
        this.syncQueued = undefined;
        if (this.syncFailure) throw this.syncFailure;
        return this.startSync();
      });
    }
    return this.syncQueued;
  }

  private startSync(): Promise<void> {
    const p = this.track(() => fdatasync(this.fd)).then(
      () => {
        if (this.syncInFlight === p) this.syncInFlight = undefined;
      },
      (err: NodeJS.ErrnoException) => {
        if (this.syncInFlight === p) this.syncInFlight = undefined;
        if (err.code !== undefined) {
          const msg = `fdatasync failed on ${this.path}; writes are refused until the device is reopened: ${err.message}`;
          this.syncFailure ??= Object.assign(new Error(msg, { cause: err }), { code: err.code });
        }
        throw err;
      },
    );
    this.syncInFlight = p;
    return p;
  }

  async discard(offset: number, length: number): Promise<void> {
    this.check(offset, length);
    if (length === 0) return;
    await this.track(async () => {
      try {
        await this.native.punchHole(this.fd, this.path, offset, length);
        if (!this.thin) await this.native.allocate(this.fd, this.path, offset, length);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // No hole punching here (file system, or no fallocate command): zeros keep the contract.
        if (code === 'EOPNOTSUPP' || code === 'ENOSYS' || code === 'ENOENT') await this.writeZeros(offset, length);
        else throw err;
      }
    });
  }

  private async writeZeros(offset: number, length: number): Promise<void> {
    const zeros = Buffer.alloc(Math.min(ZERO_CHUNK, length));
    for (let pos = offset; pos < offset + length; pos += zeros.length) {
      const n = Math.min(zeros.length, offset + length - pos);
      await this.writeAll(pos, n === zeros.length ? zeros : zeros.subarray(0, n));
    }
  }

  /** st_blocks × 512: what the file occupies, in one fstat (allocationStatus walks every extent). */
  async allocatedBytes(): Promise<number> {
    const st = await fstat(this.fd);
    return Math.min(st.blocks * 512, this.sizeBytes);
  }

  async allocationStatus(offset: number, length: number): Promise<AllocationExtent[]> {
    this.check(offset, length);
    if (length === 0) return [];
    if (!this.thin) return [{ offset, length, mapped: true }];
    const end = offset + length;
    const bs = this.blockSize;
    const mapped = await this.track(async () => {
      const runs: Array<[number, number]> = [];
      let pos = offset;
      while (pos < end) {
        const d = await this.native.seekData(this.fd, pos);
        if (d < 0 || d >= end) break;
        const h = await this.native.seekHole(this.fd, d);
        const stop = h < 0 ? end : Math.min(h, end);
        runs.push([Math.floor(d / bs) * bs, Math.min(end, Math.ceil(stop / bs) * bs)]);
        if (stop <= d) break; // defensive: never loop on a file system that misreports
        pos = stop;
      }
      return runs;
    });
    return extentsFromMappedRuns(offset, end, mapped);
  }

  async resize(newSizeBytes: number): Promise<void> {
    checkSize(newSizeBytes, this.blockSize);
    if (this.closing) throw new Error(`block device ${this.path} is closed`);
    if (newSizeBytes < this._size) {
      // Refuse new I/O beyond the new end, then let older requests finish: a pwrite that
      // landed after the ftruncate would extend the file again.
      this._size = newSizeBytes;
      await this.settleInFlight();
      await this.track(() => ftruncate(this.fd, newSizeBytes));
    } else {
      const old = this._size;
      await this.track(async () => {
        await ftruncate(this.fd, newSizeBytes);
        if (!this.thin && newSizeBytes > old) await this.native.allocate(this.fd, this.path, old, newSizeBytes - old);
      });
      this._size = newSizeBytes;
    }
    await this.track(() => fsyncFd(this.fd));
  }

  /** Waits for in-flight requests, then closes the file. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.settleInFlight().then(() => closeFd(this.fd));
    return this.closing;
  }
}
