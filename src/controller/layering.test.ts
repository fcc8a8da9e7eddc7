import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Guards the HA brief: controller/ never imports the iSCSI layer or the daemon; pure files touch no I/O. */
test('src/controller imports neither iscsi/ nor daemon/; pure modules use no sockets, timers or files', () => {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const files = readdirSync(here).filter((f) => /\.(js|ts)$/.test(f) && !/\.test\.|\.d\.ts$|\.map$/.test(f));
  assert.ok(files.length >= 8, files.join());
  for (const f of files) {
    const src = readFileSync(join(here, f), 'utf8');
    assert.doesNotMatch(src, /from\s+['"](\.\.\/)+(iscsi|daemon)\//, f);
  }
  for (const pure of ['failover-mode', 'ownership', 'failover-machine', 'ip-failover', 'peer-codec']) {
    const f = files.find((x) => x === `${pure}.js` || x === `${pure}.ts`)!;
    const src = readFileSync(join(here, f), 'utf8');
    assert.doesNotMatch(src, /node:(net|fs|child_process|timers)|setTimeout\(|setInterval\(|Date\.now\(/, f);
  }
});
