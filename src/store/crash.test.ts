import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Store } from './store.js';

// Prevents: a kill in the middle of a change leaving half of it (a volume without its event, a torn page).
test('SIGKILL during a stream of transactions leaves a consistent database', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-crash-'));
  try {
    const script = join(dir, 'writer.mjs');
    writeFileSync(script, `
      import { Store } from ${JSON.stringify(new URL('./store.js', import.meta.url).href)};
      import { newNaa, serialFromId } from ${JSON.stringify(new URL('./identifiers.js', import.meta.url).href)};
      import { randomUUID } from 'node:crypto';
      const s = Store.open(${JSON.stringify(dir)});
      let n = 0;
      for (;;) {
        s.transaction(() => {
          const id = randomUUID();
          s.volumes.insert({ id, name: 'v' + n, sizeBytes: 1048576, blockSize: 512, thin: true, backing: 'memory', path: null,
            naa: newNaa(), serial: serialFromId(id), writeProtected: false, createdAt: new Date().toISOString() });
          s.events.append({ time: new Date().toISOString(), severity: 'info', category: 'volume', short: 'volume v' + n + ' created', long: null, actor: 'crash-test' });
        });
        if (++n === 20) process.stdout.write('go\\n');
      }
    `);
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (c) => reject(new Error(`writer exited early with ${c}`)));
    });
    await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const s = Store.open(dir);
    const vols = s.volumes.list();
    const events = s.events.query({ limit: 10000 });
    assert.ok(vols.length >= 20, `expected at least 20 committed volumes, got ${vols.length}`);
    assert.equal(events.length, vols.length, 'every committed volume has its event and nothing more');
    s.close();
    const raw = new Database(join(dir, 'tandem.db'));
    assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
    raw.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exclusive mode keeps a second opener out', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-excl-'));
  try {
    const a = Store.open(dir, { exclusive: true });
    assert.throws(() => Store.open(dir, { exclusive: true, busyTimeoutMs: 50 }), /locked/);
    a.close();
    Store.open(dir, { exclusive: true }).close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
