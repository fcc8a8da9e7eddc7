/**
 * House rule (ARCHITECTURE.md, import rules): the SCSI client codec imports only lib/
 * and itself — no node:net, no timers, nothing of the initiator, multipath or the target
 * core. Reads the TypeScript sources, so type-only imports count too. Tests are exempt.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The sources: this file runs from dist/src/scsi/wire, its sources are in src/scsi/wire. */
const dir = resolve(here, '../../../../src/scsi/wire');
const src = resolve(dir, '../..');

test('scsi/wire imports only lib/, its own files and node:buffer; no timers', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'));
  assert.ok(files.length >= 10, `found ${files.join(',')}`);
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
      const spec = m[1]!;
      const target = spec.startsWith('.') ? relative(src, resolve(dir, spec)).split('\\').join('/') : spec;
      assert.match(target, /^(lib\/[a-z0-9-]+\.js|scsi\/wire\/[a-z0-9-]+\.js|node:buffer)$/, `${f} imports ${spec}`);
    }
    assert.doesNotMatch(text, /\b(setTimeout|setInterval|setImmediate|EventEmitter)\b/, f);
  }
});
