/**
 * House rule (ARCHITECTURE.md): "iscsi/pdu imports only lib — no node:net, no timers,
 * no EventEmitter". Checks the emitted modules beside this test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ALLOWED = [/^\.\/[a-z0-9-]+\.js$/, /^\.\.\/\.\.\/lib\/[a-z0-9-]+\.js$/, /^node:buffer$/, /^node:crypto$/];

test('codec modules import only lib, siblings, node:buffer and node:crypto; no timers', () => {
  const dir = dirname(fileURLToPath(import.meta.url));
  const files = readdirSync(dir).filter((f) => /\.[jt]s$/.test(f) && !/\.test\.[jt]s$/.test(f) && !f.endsWith('.d.ts'));
  assert.ok(files.length >= 6, `found ${files.join(',')}`);
  for (const f of files) {
    const src = readFileSync(join(dir, f), 'utf8');
    for (const m of src.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
      const spec = m[1]!;
      assert.ok(ALLOWED.some((re) => re.test(spec)), `${f} imports ${spec}`);
    }
    assert.doesNotMatch(src, /\b(setTimeout|setInterval|setImmediate|EventEmitter)\b/, f);
  }
});
