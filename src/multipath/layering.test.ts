import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * multipath/ works over the PathTransport interface only: from the initiator it may
 * import the shared types (iscsi/initiator/types.js), nothing else of iscsi/, nothing of
 * host/ or the target core (scsi/) but the pure SCSI client codec (scsi/wire/). Prevents
 * a dependency on the initiator's internals.
 * (*.integration.test.ts files are exempt: they wire the real target and initiator.)
 */
test('multipath imports only lib/, block/, the SCSI client codec and the initiator contract types', () => {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const src = resolve(here, '..');
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      // integration tests wire real peers (target, initiator) and may import them
      else if (/\.(js|ts)$/.test(p) && !p.endsWith('.d.ts') && !/\.integration\.test\.(js|ts)$/.test(p)) files.push(p);
    }
  };
  walk(here);
  assert.ok(files.length > 10);
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)) {
      const target = relative(src, resolve(dirname(f), m[1]!)).split('\\').join('/');
      assert.match(target, /^(lib\/|block\/block-device\.js$|iscsi\/initiator\/types\.js$|scsi\/wire\/index\.js$|multipath\/)/, `${f} imports ${m[1]}`);
    }
  }
});
