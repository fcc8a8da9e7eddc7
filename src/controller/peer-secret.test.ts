import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreatePeerSecret } from './peer-secret.js';

test('peer secret: created once with mode 0600, then read back; malformed file refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-secret-'));
  try {
    const s1 = loadOrCreatePeerSecret(dir);
    assert.equal(s1.length, 32);
    assert.equal(statSync(join(dir, 'peer-secret')).mode & 0o777, 0o600);
    assert.ok(loadOrCreatePeerSecret(dir).equals(s1));
    assert.deepEqual(readdirSync(dir), ['peer-secret'], 'no temporary files left');
    chmodSync(join(dir, 'peer-secret'), 0o644);
    loadOrCreatePeerSecret(dir);
    assert.equal(statSync(join(dir, 'peer-secret')).mode & 0o777, 0o600, 'permissions tightened');
    writeFileSync(join(dir, 'peer-secret'), 'short');
    assert.throws(() => loadOrCreatePeerSecret(dir), /64-hex-digit/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
