import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataDirInUseError, DataDirLock, processExists } from './data-dir-lock.js';
import { loadFileLock } from './native.js';

const root = mkdtempSync(join(tmpdir(), 'dir-lock-'));
after(() => rmSync(root, { recursive: true, force: true }));
const MODULE = fileURLToPath(new URL('./data-dir-lock.js', import.meta.url));
const NATIVE = fileURLToPath(new URL('./native.js', import.meta.url));
let n = 0;
const fresh = () => join(root, `d${n++}`);
const opts = (dir: string, extra: Partial<Parameters<typeof DataDirLock.acquire>[0]> = {}) =>
  ({ dir, file: 'x.lock', what: 'tandem up (test)', hint: 'use another --data-dir', ...extra });

/** A child process that takes the lock of `dir`, prints "won" or "lost: <message>", then holds it `holdMs` (or forever). */
function child(dir: string, holdMs: number | 'forever', fallback = false): { proc: ReturnType<typeof spawn>; said: Promise<string> } {
  const script = `
    const { DataDirLock } = await import(${JSON.stringify(MODULE)});
    const { loadFileLock } = await import(${JSON.stringify(NATIVE)});
    try {
      await DataDirLock.acquire({ dir: ${JSON.stringify(dir)}, file: 'x.lock', what: 'child', hint: 'h', lock: loadFileLock({ disableAddon: ${fallback} }) });
      console.log('won');
      ${holdMs === 'forever' ? 'setInterval(() => {}, 1000);' : `setTimeout(() => process.exit(0), ${holdMs});`}
    } catch (err) { console.log('lost: ' + err.message); }`;
  const proc = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const said = new Promise<string>((resolve) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.trim());
    });
    proc.once('exit', () => resolve(out.trim()));
  });
  return { proc, said };
}

for (const fallback of [false, true]) {
  const how = fallback ? 'util-linux flock(1) fallback' : 'tandem_fs addon';
  const lock = loadFileLock({ disableAddon: fallback });

  test(`${how}: the first holder wins; a second refuses naming pid, what and API; a clean release lets the next in with nothing stale`, async () => {
    if (!fallback) assert.equal(lock.native, true, 'the addon offers flock (npm run build:native)');
    const dir = fresh();
    const a = await DataDirLock.acquire(opts(dir, { lock, now: () => new Date('2026-11-01T10:00:00Z') }));
    assert.equal(a.previous, undefined);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'x.lock'), 'utf8')), { pid: process.pid, what: 'tandem up (test)', since: '2026-11-01T10:00:00.000Z' });
    a.note({ api: 'http://127.0.0.1:34001' });
    const refused = await DataDirLock.acquire(opts(dir, { lock })).then(() => undefined, (e: unknown) => e);
    assert.ok(refused instanceof DataDirInUseError, String(refused));
    assert.equal(refused.httpStatus, 409);
    assert.deepEqual(refused.holder, { pid: process.pid, what: 'tandem up (test)', since: '2026-11-01T10:00:00.000Z', api: 'http://127.0.0.1:34001' });
    assert.match(refused.message, new RegExp(`^data directory ${dir} is in use by tandem up \\(test\\), pid ${process.pid}, running since 2026-11-01T10:00:00.000Z, API http://127.0.0.1:34001: nothing of it was touched\\. .*kill -TERM ${process.pid}\\), or use another --data-dir$`));
    a.release();
    a.release(); // idempotent
    assert.equal(readFileSync(join(dir, 'x.lock'), 'utf8'), '');
    const b = await DataDirLock.acquire(opts(dir, { lock }));
    assert.equal(b.previous, undefined, 'a clean stop leaves nothing to report');
    b.release();
  });

  test(`${how}: a holder killed with SIGKILL leaves a stale record that the next start takes over`, async () => {
    const dir = fresh();
    const c = child(dir, 'forever', fallback);
    assert.equal(await c.said, 'won');
    const pid = c.proc.pid!;
    const refused = await DataDirLock.acquire(opts(dir, { lock })).then(() => undefined, (e: unknown) => e);
    assert.ok(refused instanceof DataDirInUseError && refused.holder?.pid === pid, String(refused));
    const gone = new Promise((r) => c.proc.once('exit', r));
    c.proc.kill('SIGKILL');
    await gone;
    const l = await DataDirLock.acquire(opts(dir, { lock }));
    assert.equal(l.previous?.pid, pid, 'the dead holder is reported');
    assert.equal(l.previous?.what, 'child');
    assert.equal(JSON.parse(readFileSync(join(dir, 'x.lock'), 'utf8')).pid, process.pid);
    l.release();
  });

  test(`${how}: eight starts at the same moment, exactly one wins`, async () => {
    const dir = fresh();
    const kids = Array.from({ length: 8 }, () => child(dir, 1500, fallback));
    const said = await Promise.all(kids.map((k) => k.said));
    assert.equal(said.filter((s) => s === 'won').length, 1, said.join('\n'));
    for (const s of said.filter((x) => x !== 'won')) assert.match(s, /^lost: data directory .* is in use by child, pid \d+/);
    await Promise.all(kids.map((k) => new Promise((r) => (k.proc.exitCode !== null ? r(null) : k.proc.once('exit', r)))));
  });
}

test('a record of a dead process is not named as the holder; a holder that has not written yet is "another running instance"', async () => {
  const dir = fresh();
  const l = await DataDirLock.acquire(opts(dir));
  // Simulate the moment between a winner's flock and its write: the file still names a dead predecessor.
  writeFileSync(join(dir, 'x.lock'), `${JSON.stringify({ pid: 2 ** 22 + 12345, what: 'old', since: 'then' })}\n`);
  assert.equal(processExists(2 ** 22 + 12345), false);
  const refused = await DataDirLock.acquire(opts(dir, { holderWaitMs: 60 })).then(() => undefined, (e: unknown) => e);
  assert.ok(refused instanceof DataDirInUseError, String(refused));
  assert.equal(refused.holder, undefined);
  assert.match(refused.message, /in use by another running instance \(it holds .*x\.lock but has not recorded its pid yet\)/);
  l.release();
});
