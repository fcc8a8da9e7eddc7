/**
 * MultipathDevice: one logical unit reached through several PathTransports, exposed as
 * a BlockDevice (src/block/block-device.ts). read → READ(16), write → WRITE(16) (FUA
 * when asked), flush → SYNCHRONIZE CACHE(16), discard → UNMAP (or zero-writes when the LU
 * is not thin with LBPRZ), allocationStatus → GET LBA STATUS (all mapped when not thin),
 * resize → not supported. Commands run through MultipathCore (retries, failover, queueing).
 *
 * Write ordering and re-issue — the guarantee, precisely:
 *  1. A write is acknowledged (write() resolves) only after a GOOD status from the device
 *     server; an acknowledged write is never sent again.
 *  2. A write that ended without a GOOD status is re-issued, unchanged (same LBA, same
 *     data, same FUA), on the same or another path, until it gets GOOD or a fatal answer.
 *     CHECK CONDITION answers (UA, NOT READY, …) mean it was not executed. A transport
 *     error means it MAY have been executed; executing the same data at the same LBA
 *     twice leaves the same bytes, so the re-issue is idempotent on its own.
 *  3. Residual hazard: the first attempt could still be executed LATE — after the re-issue
 *     was acknowledged and after a newer overlapping write — bringing back old data. That
 *     can happen only if the target keeps running a task of a connection that already
 *     failed. With ErrorRecoveryLevel 0 the target "terminates all active tasks that were
 *     allegiant to the connection(s) that constituted the session" when the session times
 *     out, and at once on session reinstatement (RFC 3720 §6.13 "Session Errors", kept in
 *     RFC 7143); a command that timed out was aborted by the initiator (ABORT TASK,
 *     ScsiRequest.timeoutMs). The window between the failure and that cleanup is not
 *     closed here — exactly as with Linux dm-multipath over open-iscsi, which also fails
 *     I/O over to another path without waiting for the old session's tasks to end.
 *  4. Overlapping writes: the caller (the NBD server) issues a write only after every
 *     earlier overlapping write was acknowledged, and it does not read a range while a
 *     write to it is in flight. Under 1, 2, 4 and the assumption of 3, every read returns the data of the last
 *     acknowledged write to each block (or of a write still in flight), and no re-issue
 *     can reorder data the caller has seen acknowledged. Concurrent non-overlapping I/O
 *     is unordered, as with any SCSI device with SIMPLE task attributes.
 *  5. flush() is SYNCHRONIZE CACHE of the whole LU: it covers every write acknowledged
 *     before the call, through any path (the cache is the LU's, not the port's).
 */
import type { AllocationExtent, BlockDevice } from '../block/block-device.js';
import { systemClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import type { Logger } from '../lib/logger.js';
import type { Clock } from '../lib/clock.js';
import * as wire from '../scsi/wire/index.js';
import { MultipathIoError } from './classify.js';
import { MultipathCore } from './multipath-core.js';
import { DEFAULT_TIMING } from './path-state.js';
import type { PathTransport } from './path-transport.js';
import { groupPathsByIdentity, probePath } from './probe.js';
import type { SelectorName } from './selector.js';
import type { MultipathStatus, PathStatus } from './status.js';

export interface MultipathOptions {
  /** Pseudo device name, e.g. "tandem0". */
  name: string;
  selector: SelectorName;
  checkerIntervalMs: number;
  /** Queue I/O this long when no path is usable (Infinity: queue forever; 0: fail at once). */
  noPathRetryMs: number;
  /** Send SET TARGET PORT GROUPS when no active/optimized path is usable. */
  explicitFailover: boolean;
  logger?: Logger;
  clock?: Clock;
  /** Re-check a transitioning path after this long (default 100 ms). */
  transitionRetryMs?: number;
  /** A group transitioning longer than this counts as unavailable (default 60 s). */
  transitionTimeoutMs?: number;
  /** Back-off for BUSY / TASK SET FULL / ABORTED COMMAND (default 50 ms). */
  retryDelayMs?: number;
  /** Transient answers (UA, BUSY, …) tolerated per command (default 30). */
  maxRetries?: number;
  /** Per-command timeout passed to the transport (default: the transport's own). */
  commandTimeoutMs?: number;
  /** Timeout for checker, RTPG, STPG and probe commands (default 10 s). */
  checkerTimeoutMs?: number;
  /** Largest READ/WRITE transfer per command; larger requests are split (default 8 MiB). */
  maxTransferBytes?: number;
}

const DEFAULT_CHECKER_TIMEOUT_MS = 10_000;
const UNMAP_MAX_BLOCKS = 0xffff_ffff;
const ZERO_CHUNK = 1024 * 1024;

export class MultipathDevice implements BlockDevice {
  private cap: wire.ReadCapacity16;
  private capRefresh: Promise<void> | undefined;
  private readonly maxTransfer: number;

  private constructor(private readonly core: MultipathCore, cap: wire.ReadCapacity16, private readonly o: MultipathOptions) {
    this.cap = cap;
    this.maxTransfer = o.maxTransferBytes ?? 8 * 1024 * 1024;
    core.onCapacityChanged = () => this.refreshCapacity();
  }

  /** Probe identity (all paths must lead to one LU), ALUA groups and capacity; start the checker. */
  static async create(paths: PathTransport[], opts: MultipathOptions): Promise<MultipathDevice> {
    const { groups, failed } = await groupPathsByIdentity(paths, { timeoutMs: opts.checkerTimeoutMs ?? DEFAULT_CHECKER_TIMEOUT_MS });
    if (groups.length === 0) throw new MultipathIoError('EIO', `${opts.name}: no path could be probed (${failed.map((f) => f.error.message).join('; ') || 'no paths given'})`);
    if (groups.length > 1) throw new MultipathIoError('EINVAL', `${opts.name}: the paths lead to different devices: ${groups.map((g) => `${g.key} via ${g.paths.map((p) => p.id).join(', ')}`).join(' / ')}`);
    const g = groups[0]!;
    const core = new MultipathCore(g.identity, g.key, {
      name: opts.name,
      selector: opts.selector,
      checkerIntervalMs: opts.checkerIntervalMs,
      noPathRetryMs: opts.noPathRetryMs,
      explicitFailover: opts.explicitFailover,
      logger: opts.logger ?? silentLogger(),
      clock: opts.clock ?? systemClock,
      timing: {
        ...DEFAULT_TIMING,
        transitionRetryMs: opts.transitionRetryMs ?? DEFAULT_TIMING.transitionRetryMs,
        transitionTimeoutMs: opts.transitionTimeoutMs ?? DEFAULT_TIMING.transitionTimeoutMs,
        flapRecheckMs: Math.min(DEFAULT_TIMING.flapRecheckMs, opts.checkerIntervalMs),
      },
      retryDelayMs: opts.retryDelayMs ?? 50,
      maxRetries: opts.maxRetries ?? 30,
      ...(opts.commandTimeoutMs !== undefined ? { commandTimeoutMs: opts.commandTimeoutMs } : {}),
      checkerTimeoutMs: opts.checkerTimeoutMs ?? DEFAULT_CHECKER_TIMEOUT_MS,
    });
    for (const t of paths) {
      const i = g.paths.indexOf(t);
      core.addPath(t, i >= 0 ? g.probes[i] : undefined);
    }
    try {
      await core.refreshAlua();
      const cap = await readCapacity(core);
      const dev = new MultipathDevice(core, cap, opts);
      core.start();
      return dev;
    } catch (e) {
      await core.close();
      throw e;
    }
  }

  get identity(): { naa?: string; serial?: string; vendor: string; product: string } {
    const { tpgs: _t, ...id } = this.core.identity;
    return id;
  }

  get blockSize(): number {
    return this.cap.blockSize;
  }

  get sizeBytes(): number {
    return this.cap.blockCount * this.cap.blockSize;
  }

  get thin(): boolean {
    return this.cap.lbpme;
  }

  private check(offset: number, length: number): void {
    const bs = this.cap.blockSize;
    if (offset % bs !== 0 || length % bs !== 0 || offset < 0 || length < 0 || offset + length > this.sizeBytes) {
      throw new RangeError(`bad range ${offset}+${length} on ${this.o.name} (${this.sizeBytes} bytes, ${bs}-byte blocks)`);
    }
  }

  async read(offset: number, length: number): Promise<Buffer> {
    this.check(offset, length);
    const bs = this.cap.blockSize;
    const parts: Buffer[] = [];
    for (let pos = offset; pos < offset + length; ) {
      const n = Math.min(this.maxTransfer - (this.maxTransfer % bs), offset + length - pos);
      const lba = pos / bs;
      const d = await this.core.execute(`READ(16) LBA ${lba}`, () => wire.read16(lba, n / bs, bs));
      if (d.length !== n) throw new MultipathIoError('EIO', `READ(16) LBA ${lba} returned ${d.length} bytes, expected ${n}`);
      parts.push(d);
      pos += n;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
  }

  async write(offset: number, data: Buffer, opts: { fua?: boolean } = {}): Promise<void> {
    this.check(offset, data.length);
    const bs = this.cap.blockSize;
    const step = this.maxTransfer - (this.maxTransfer % bs);
    for (let pos = 0; pos < data.length; pos += step) {
      const chunk = data.subarray(pos, Math.min(data.length, pos + step));
      const lba = (offset + pos) / bs;
      await this.core.execute(`WRITE(16) LBA ${lba}`, () => wire.write16(lba, chunk, bs, opts.fua === true));
    }
  }

  async flush(): Promise<void> {
    await this.core.execute('SYNCHRONIZE CACHE(16)', () => wire.synchronizeCache16());
  }

  async discard(offset: number, length: number): Promise<void> {
    this.check(offset, length);
    const bs = this.cap.blockSize;
    if (this.cap.lbpme && this.cap.lbprz) {
      const extents: Array<{ lba: number; blocks: number }> = [];
      for (let lba = offset / bs, left = length / bs; left > 0; ) {
        const n = Math.min(left, UNMAP_MAX_BLOCKS);
        extents.push({ lba, blocks: n });
        lba += n;
        left -= n;
      }
      for (let i = 0; i < extents.length; i += 64) {
        const batch = extents.slice(i, i + 64);
        await this.core.execute(`UNMAP LBA ${batch[0]!.lba}`, () => wire.unmap(batch));
      }
      return;
    }
    // Not thin, or unmapped blocks need not read as zeros: the contract says the range
    // reads back as zeros, so write zeros.
    const zeros = Buffer.alloc(Math.min(ZERO_CHUNK - (ZERO_CHUNK % bs), length));
    for (let pos = offset; pos < offset + length; pos += zeros.length) {
      const n = Math.min(zeros.length, offset + length - pos);
      await this.write(pos, zeros.subarray(0, n));
    }
  }

  async allocationStatus(offset: number, length: number): Promise<AllocationExtent[]> {
    this.check(offset, length);
    if (length === 0) return [];
    if (!this.cap.lbpme) return [{ offset, length, mapped: true }];
    const bs = this.cap.blockSize;
    const out: AllocationExtent[] = [];
    const end = offset + length;
    let pos = offset;
    while (pos < end) {
      const lba = pos / bs;
      const d = await this.core.execute(`GET LBA STATUS LBA ${lba}`, () => wire.getLbaStatus(lba));
      const descs = wire.parseGetLbaStatus(d).filter((x) => x.blocks > 0 && (x.lba + x.blocks) * bs > pos);
      if (descs.length === 0 || descs[0]!.lba * bs > pos) throw new MultipathIoError('EIO', `GET LBA STATUS LBA ${lba}: no descriptor for the starting LBA`);
      for (const x of descs) {
        const a = Math.max(pos, x.lba * bs);
        const b = Math.min(end, (x.lba + x.blocks) * bs);
        if (a !== pos || b <= a) break;
        const mapped = x.provisioning === 0;
        const last = out[out.length - 1];
        if (last && last.mapped === mapped) last.length += b - a;
        else out.push({ offset: a, length: b - a, mapped });
        pos = b;
        if (pos >= end) break;
      }
    }
    return out;
  }

  async resize(): Promise<void> {
    throw new MultipathIoError('ENOTSUP', `${this.o.name}: resize the volume on the array; the host re-reads the capacity on the CAPACITY DATA HAS CHANGED unit attention`);
  }

  /** Re-read READ CAPACITY(16) (after UA 2Ah/09h); coalesces concurrent calls. */
  refreshCapacity(): Promise<void> {
    if (!this.capRefresh) {
      this.capRefresh = readCapacity(this.core)
        .then((c) => {
          this.cap = c;
        })
        .finally(() => {
          this.capRefresh = undefined;
        });
    }
    return this.capRefresh;
  }

  async addPath(p: PathTransport): Promise<void> {
    const probe = await probePath(p, this.o.checkerTimeoutMs ?? DEFAULT_CHECKER_TIMEOUT_MS);
    if (probe.key !== this.core.key) throw new MultipathIoError('EINVAL', `path ${p.id} leads to ${probe.key}, not ${this.core.key} (${this.o.name})`);
    this.core.addPath(p, probe);
    await this.core.refreshAlua();
  }

  /**
   * Remove a path and close its transport. Refused (unless force) when the path has I/O
   * in flight or is the last alive path of the device.
   */
  async removePath(id: string, opts: { force?: boolean } = {}): Promise<void> {
    const p = this.core.paths.get(id);
    if (!p) throw new MultipathIoError('EINVAL', `${this.o.name} has no path ${id}`);
    if (!opts.force) {
      if (p.inflight > 0) throw new MultipathIoError('EINVAL', `path ${id} has ${p.inflight} I/Os in flight; use force to remove it anyway`);
      const others = [...this.core.paths.values()].filter((q) => q !== p && q.state === 'alive');
      if (p.state === 'alive' && others.length === 0) throw new MultipathIoError('EINVAL', `path ${id} is the last alive path of ${this.o.name}; use force to remove it anyway`);
    }
    this.core.removePath(id);
    await p.transport.close();
  }

  status(): MultipathStatus {
    const groups = this.core.groups();
    const activeIds = new Set(this.core.pickCandidates().map((p) => p.id));
    const paths: PathStatus[] = [...this.core.paths.values()].map((p) => {
      const s: PathStatus = {
        id: p.id,
        portal: p.transport.portal,
        targetPortGroup: p.tpg ?? null,
        relativeTargetPort: p.relPort ?? null,
        aluaState: p.alua,
        mode: activeIds.has(p.id) ? 'active' : p.state === 'dead' ? 'unused' : 'standby',
        state: p.state,
        connected: p.transport.connected,
        inflight: p.inflight,
        ios: p.ios,
        errors: p.errors,
      };
      if (p.wrongDevice) s.note = 'wrong-device';
      else if (!p.verified) s.note = 'unverified';
      return s;
    });
    const tpgs = this.core.identity.tpgs;
    return {
      name: this.o.name,
      identity: this.identity,
      wwid: this.core.key,
      sizeBytes: this.sizeBytes,
      blockSize: this.blockSize,
      policy: this.core.selectorName,
      alua: tpgs === 0 ? 'none' : tpgs === 1 ? 'implicit' : tpgs === 2 ? 'explicit' : 'implicit+explicit',
      explicitFailover: this.o.explicitFailover,
      noPathRetryMs: this.o.noPathRetryMs === Infinity ? null : this.o.noPathRetryMs,
      queuedIos: this.core.queued,
      failingFast: this.core.failingFast,
      groups: groups.map((g) => ({ targetPortGroup: g.tpg < 0 ? null : g.tpg, aluaState: g.alua, pref: g.pref, priority: g.priority, paths: g.paths.map((p) => p.id) })),
      paths,
    };
  }

  /** Run one checker round now (for `tandem-host rescan` and tests). */
  checkNow(): Promise<void> {
    return this.core.tick();
  }

  /** Stop the checker, fail queued I/O and close every path's transport. */
  async close(): Promise<void> {
    await this.core.close();
    await Promise.all([...this.core.paths.values()].map((p) => p.transport.close()));
  }
}

async function readCapacity(core: MultipathCore): Promise<wire.ReadCapacity16> {
  const d = await core.execute('READ CAPACITY(16)', () => wire.readCapacity16());
  const c = wire.parseReadCapacity16(d);
  if (!c || (c.blockSize !== 512 && c.blockSize !== 4096)) throw new MultipathIoError('EIO', `READ CAPACITY(16): unusable answer (${c ? `block size ${c.blockSize}` : 'short data'})`);
  return c;
}
