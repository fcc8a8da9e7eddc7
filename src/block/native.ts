/**
 * Loader for the tandem_fs N-API addon (native/tandem_fs.c, built by node-gyp into
 * build/Release/tandem_fs.node) with a fallback that keeps FileDevice correct without it:
 *  - punchHole → spawns util-linux `fallocate --punch-hole --keep-size -o OFF -l LEN FILE`;
 *  - allocate → spawns `fallocate -o OFF -l LEN FILE` (thick volumes);
 *  - seekData/seekHole → "everything is data": allocation is reported as fully mapped.
 * The loader warns once per FsNative instance when the addon is missing; the daemon
 * builds one instance and hands it to every FileDevice.
 *
 * The same addon offers flock(2) for the data directory lock (data-dir-lock.ts):
 * loadFileLock() binds it, or falls back to util-linux `flock --nonblock FD` run on an
 * inherited descriptor (a lock belongs to the open file description, which this process
 * keeps open after the command exits).
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../lib/logger.js';

export interface FsNative {
  /** True when the addon is loaded; false in the fallback. */
  readonly native: boolean;
  /** Why the addon is not loaded (only in the fallback). */
  readonly missingReason?: string;
  /**
   * fallocate(FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE). `path` is used only by the
   * fallback. Rejects with an Error whose `code` is the errno name (EOPNOTSUPP when the
   * file system cannot punch holes).
   */
  punchHole(fd: number, path: string, offset: number, length: number): Promise<void>;
  /** fallocate mode 0: reserve space for the range without writing zeros (may grow the file). */
  allocate(fd: number, path: string, offset: number, length: number): Promise<void>;
  /** lseek(SEEK_DATA): the first data offset at or after `offset`; -1 when none (ENXIO). */
  seekData(fd: number, offset: number): Promise<number>;
  /** lseek(SEEK_HOLE): the first hole at or after `offset` (EOF counts as a hole); -1 at ENXIO. */
  seekHole(fd: number, offset: number): Promise<number>;
}

/** The addon's own exports (see native/tandem_fs.c). */
interface TandemFsAddon {
  punchHole(fd: number, offset: number, length: number): Promise<void>;
  allocate(fd: number, offset: number, length: number): Promise<void>;
  seekData(fd: number, offset: number): Promise<number>;
  seekHole(fd: number, offset: number): Promise<number>;
  punchHoleSync(fd: number, offset: number, length: number): void;
  allocateSync(fd: number, offset: number, length: number): void;
  seekDataSync(fd: number, offset: number): number;
  seekHoleSync(fd: number, offset: number): number;
  /** flock(fd, LOCK_EX | LOCK_NB): true = locked, false = another open file description holds it (absent in older builds). */
  tryLockExclusive?(fd: number): boolean;
}

const ADDON_REL = join('build', 'Release', 'tandem_fs.node');

/**
 * Where the addon may be: $TANDEM_FS_ADDON, then build/Release/ in this module's
 * ancestors (dist/src/block → repo root), then in the working directory's ancestors
 * (tests compiled to an out-of-tree outDir but run from the checkout).
 */
export function addonCandidates(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string[] {
  const out: string[] = [];
  if (env.TANDEM_FS_ADDON) out.push(resolve(env.TANDEM_FS_ADDON));
  for (const start of [dirname(fileURLToPath(import.meta.url)), cwd]) {
    let dir = resolve(start);
    for (;;) {
      const p = join(dir, ADDON_REL);
      if (!out.includes(p)) out.push(p);
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return out;
}

function tryLoadAddon(paths: string[], wants: ReadonlyArray<keyof TandemFsAddon> = ['punchHole', 'allocate', 'seekData', 'seekHole']): { addon?: TandemFsAddon; reason: string } {
  const require = createRequire(import.meta.url);
  const errors: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) continue;
    try {
      const m = require(p) as Partial<TandemFsAddon>;
      if (wants.every((f) => typeof m[f] === 'function')) return { addon: m as TandemFsAddon, reason: '' };
      errors.push(`${p}: not the tandem_fs addon, or one built before ${wants.join(', ')}`);
    } catch (err) {
      errors.push(`${p}: ${(err as Error).message}`);
    }
  }
  return { reason: errors.length > 0 ? errors.join('; ') : `no ${ADDON_REL} found (build it with \`npm run build:native\`, i.e. node-gyp rebuild, or \`npm ci\`)` };
}

/** Runs the util-linux fallocate command (the fallback path); punch or allocate. */
export function fallocateCommand(mode: 'punch' | 'allocate', path: string, offset: number, length: number): Promise<void> {
  if (length === 0) return Promise.resolve();
  const flags = mode === 'punch' ? ['--punch-hole', '--keep-size'] : [];
  return new Promise((resolvePromise, reject) => {
    execFile(
      'fallocate',
      [...flags, '-o', String(offset), '-l', String(length), path],
      { timeout: 60_000 },
      (err, _stdout, stderr) => {
        if (!err) return resolvePromise();
        const e = new Error(`fallocate ${flags.join(' ')} failed on ${path}: ${String(stderr).trim() || err.message}`) as NodeJS.ErrnoException;
        // The command says "Operation not supported" when the file system cannot punch.
        e.code = /not supported/i.test(String(stderr)) ? 'EOPNOTSUPP' : typeof err.code === 'string' ? err.code : 'EFALLOCATE';
        reject(e);
      },
    );
  });
}

/**
 * Loads the addon (or builds the fallback). With `disableAddon` the fallback is used even
 * when the addon exists (for tests of the fallback). Warns once, on the given logger or
 * as a process warning, when the addon is missing.
 */
export function loadFsNative(opts: { logger?: Logger; addonPath?: string; disableAddon?: boolean; quiet?: boolean } = {}): FsNative {
  const loaded = opts.disableAddon
    ? { reason: 'disabled by the caller' }
    : tryLoadAddon(opts.addonPath !== undefined ? [resolve(opts.addonPath)] : addonCandidates());
  const addon = loaded.addon;
  if (addon) {
    return {
      native: true,
      punchHole: (fd, _path, offset, length) => addon.punchHole(fd, offset, length),
      allocate: (fd, _path, offset, length) => addon.allocate(fd, offset, length),
      seekData: (fd, offset) => addon.seekData(fd, offset),
      seekHole: (fd, offset) => addon.seekHole(fd, offset),
    };
  }
  const msg =
    `tandem_fs native addon not loaded (${loaded.reason}); ` +
    'discard falls back to spawning `fallocate --punch-hole` and allocation is reported as fully mapped';
  if (!opts.quiet) {
    if (opts.logger) opts.logger.warn({ reason: loaded.reason }, msg);
    else process.emitWarning(msg, { code: 'TANDEM_NO_NATIVE_FS' });
  }
  return {
    native: false,
    missingReason: loaded.reason,
    punchHole: (_fd, path, offset, length) => fallocateCommand('punch', path, offset, length),
    allocate: (_fd, path, offset, length) => fallocateCommand('allocate', path, offset, length),
    seekData: async (_fd, offset) => offset,
    seekHole: async () => Number.MAX_SAFE_INTEGER,
  };
}

/** An exclusive, non-blocking lock on an open file: flock(2) through the addon, or util-linux flock(1). */
export interface FileLock {
  /** True when the addon is used; false in the flock(1) fallback. */
  readonly native: boolean;
  /** Locks `fd` (LOCK_EX | LOCK_NB): true = locked by this process, false = another holds it. Throws when it cannot tell. */
  tryLockExclusive(fd: number): boolean;
}

/** flock(1)'s exit status for "the lock is held" (--conflict-exit-code). */
const FLOCK_CONFLICT = 75;

/**
 * util-linux `flock --nonblock 3` with our descriptor as its fd 3: it locks the open file
 * description we share and exits; the lock stays with our descriptor.
 */
export function flockCommand(fd: number): boolean {
  const r = spawnSync('flock', ['--nonblock', '--conflict-exit-code', String(FLOCK_CONFLICT), '3'], { stdio: ['ignore', 'ignore', 'pipe', fd], timeout: 10_000 });
  if (r.error) throw new Error(`cannot lock (no tandem_fs addon, and util-linux flock could not run: ${r.error.message})`);
  if (r.status === 0) return true;
  if (r.status === FLOCK_CONFLICT) return false;
  throw new Error(`cannot lock: flock exited with ${r.status ?? r.signal}: ${String(r.stderr).trim()}`);
}

/** The addon's flock(2), or the flock(1) fallback (`disableAddon` forces the fallback, for its tests). */
export function loadFileLock(opts: { addonPath?: string; disableAddon?: boolean } = {}): FileLock {
  const loaded = opts.disableAddon
    ? { reason: 'disabled by the caller' }
    : tryLoadAddon(opts.addonPath !== undefined ? [resolve(opts.addonPath)] : addonCandidates(), ['tryLockExclusive']);
  const lock = loaded.addon?.tryLockExclusive?.bind(loaded.addon);
  return lock ? { native: true, tryLockExclusive: lock } : { native: false, tryLockExclusive: flockCommand };
}
