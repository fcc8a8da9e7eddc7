/**
 * The per-array peer-link secret, `<dataDir>/peer-secret` (mode 0600, created on
 * first start; docs/processes.md "Files in the data directory"). 32 random bytes,
 * hex. Written to a private temporary file first and published with link(2), which
 * fails if the name exists: two controller processes starting together agree on one
 * secret, and nobody ever reads a half-written file.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, linkSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const PEER_SECRET_FILE = 'peer-secret';

/** Reads the secret, creating it (mode 0600) when absent. Throws if the file is unreadable or malformed. */
export function loadOrCreatePeerSecret(dataDir: string): Buffer {
  const file = join(dataDir, PEER_SECRET_FILE);
  const tmp = join(dataDir, `.${PEER_SECRET_FILE}.${process.pid}.${randomBytes(4).toString('hex')}`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${randomBytes(32).toString('hex')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
  const text = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(text)) {
    throw new Error(`${file} does not hold a 64-hex-digit peer secret; delete it to have a new one created (restart both controllers)`);
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return Buffer.from(text, 'hex');
}
