import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/** Guards the house rule "scsi never imports iscsi" (ARCHITECTURE.md, import rules). */
test('nothing under src/scsi imports the iSCSI layer', () => {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.js') || p.endsWith('.ts')) files.push(p);
    }
  };
  walk(here);
  assert.ok(files.length > 10);
  for (const f of files) {
    const src = readFileSync(f, 'utf8');
    assert.doesNotMatch(src, /from\s+['"][./]*\/?(\.\.\/)+iscsi\//, f);
  }
});
