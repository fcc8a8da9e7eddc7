import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// Prevents: the CLI growing a dependency on the core (house rule: it speaks HTTP only).
test('the CLI imports only the API schema file, lib and its own modules (up.ts excepted)', () => {
  const root = dirname(fileURLToPath(import.meta.url));
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(js|ts)$/.test(f) && !/\.d\.ts$|\.test\.(js|ts)$/.test(f) && !/^up\.(js|ts)$/.test(f)) files.push(p);
    }
  };
  walk(root);
  assert.ok(files.length > 5);
  for (const f of files) {
    const src = readFileSync(f, 'utf8');
    for (const m of src.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      const spec = m[1] ?? m[2]!;
      if (!spec.startsWith('.')) continue;
      const target = relative(root, join(dirname(f), spec));
      const ok = !target.startsWith('..') || /^\.\.\/api\/schemas\.js$|^\.\.\/lib\//.test(target);
      assert.ok(ok, `${relative(root, f)} imports ${spec}: the CLI may import only ../api/schemas.js and ../lib/ from outside src/cli`);
    }
  }
});
