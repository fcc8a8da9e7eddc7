/**
 * The files that let a local client find and use the API:
 * `<dataDir>/api-token` (0600, 32 random bytes as hex) and `<dataDir>/api.json`.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { API_ENDPOINT_FILE, API_TOKEN_FILE } from '../lib/api-contract.js';
import type { ApiEndpointFile } from './schemas.js';

/**
 * Returns the API token, creating it on first start. An existing token (any run of
 * 16+ non-space characters an operator may have put there) is kept; its file mode is
 * tightened to 0600 when it was looser.
 */
export async function ensureApiToken(dataDir: string): Promise<string> {
  const file = join(dataDir, API_TOKEN_FILE);
  try {
    const t = (await readFile(file, 'utf8')).trim();
    if (/^\S{16,}$/.test(t)) {
      if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
      return t;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dataDir, { recursive: true });
  const token = randomBytes(32).toString('hex');
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, `${token}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
  return token;
}

/** Records where the API listens (atomically: write then rename). */
export async function writeApiEndpoint(dataDir: string, url: string, now: () => Date = () => new Date()): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const file = join(dataDir, API_ENDPOINT_FILE);
  const body: ApiEndpointFile = { url, pid: process.pid, startedAt: now().toISOString() };
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o644 });
  await rename(tmp, file);
}

/** The recorded endpoint, or undefined when the file is absent or unreadable. */
export async function readApiEndpoint(dataDir: string): Promise<ApiEndpointFile | undefined> {
  try {
    const j = JSON.parse(await readFile(join(dataDir, API_ENDPOINT_FILE), 'utf8')) as Partial<ApiEndpointFile>;
    if (typeof j.url !== 'string') return undefined;
    return { url: j.url, pid: typeof j.pid === 'number' ? j.pid : 0, startedAt: typeof j.startedAt === 'string' ? j.startedAt : '' };
  } catch {
    return undefined;
  }
}
