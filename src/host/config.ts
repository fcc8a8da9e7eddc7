/**
 * The host agent's configuration file (JSON), e.g.
 * {
 *   "arrays": [{ "name": "a1", "portals": ["127.0.0.1:3260", "127.0.0.1:3261"],
 *                "targetName": "iqn…" (optional: every discovered target otherwise),
 *                "initiatorName": "iqn.2026-11.host:h1", "chap": { "user": "…", "secret": "…" } }],
 *   "nbd": { "tcp": "127.0.0.1:10809", "unix": "/run/tandem-host/nbd.sock" },
 *   "multipath": { "selector": "round-robin", "checkerIntervalMs": 2000, "noPathRetryMs": 60000, "explicitFailover": false },
 *   "api": "127.0.0.1:0",
 *   "dataDir": "/var/lib/tandem-host"
 * }
 * Everything but `arrays` has a default. Relative paths are relative to the file.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { ChapConfig } from '../iscsi/initiator/types.js';
import { ValidationError } from '../lib/errors.js';

export interface ArrayConfig {
  name: string;
  portals: string[];
  targetName?: string;
  initiatorName: string;
  chap?: ChapConfig;
}

export interface MultipathConfig {
  selector: 'round-robin' | 'least-queue-depth';
  checkerIntervalMs: number;
  noPathRetryMs: number;
  explicitFailover: boolean;
}

export interface HostConfig {
  arrays: ArrayConfig[];
  nbd: { tcp?: string; unix?: string };
  multipath: MultipathConfig;
  /** host:port of the local control API (port 0: any free port, recorded in <dataDir>/api.json). */
  api: string;
  dataDir: string;
  /** iSCSI command timeout of each path's session (ms): a command on a hung path is aborted after it. */
  commandTimeoutMs: number;
}

export const DEFAULT_NBD_TCP = '127.0.0.1:10809';
export const DEFAULT_DATA_DIR = resolve(homedir(), '.tandem-host');

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw new ValidationError(`'${field}' must be a non-empty string`, field);
  return v;
}

function int(v: unknown, field: string, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ValidationError(`'${field}' must be a whole number >= ${min}`, field);
  return v;
}

function hostPort(v: unknown, field: string): string {
  const s = str(v, field);
  const m = /^(.+):(\d{1,5})$/.exec(s);
  if (!m || Number(m[2]) > 65535) throw new ValidationError(`'${field}' must be host:port, got '${s}'`, field);
  return s;
}

function loopbackHostPort(v: unknown, field: string): string {
  const s = hostPort(v, field);
  const host = s.slice(0, s.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  if (!/^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(host)) {
    throw new ValidationError(`'${field}' must be a loopback address (no authentication on it beyond the local token/socket), got '${s}'`, field);
  }
  return s;
}

export function parseHostConfig(raw: unknown, baseDir = process.cwd()): HostConfig {
  if (!isObj(raw)) throw new ValidationError('the configuration must be a JSON object');
  if (!Array.isArray(raw.arrays) || raw.arrays.length === 0) throw new ValidationError("'arrays' must list at least one array", 'arrays');
  const names = new Set<string>();
  const arrays = raw.arrays.map((a, i): ArrayConfig => {
    const f = `arrays[${i}]`;
    if (!isObj(a)) throw new ValidationError(`'${f}' must be an object`, f);
    const name = str(a.name, `${f}.name`);
    if (names.has(name)) throw new ValidationError(`array name '${name}' is used twice`, `${f}.name`);
    names.add(name);
    if (!Array.isArray(a.portals) || a.portals.length === 0) throw new ValidationError(`'${f}.portals' must list at least one host:port`, `${f}.portals`);
    const out: ArrayConfig = {
      name,
      portals: a.portals.map((p, j) => hostPort(p, `${f}.portals[${j}]`)),
      initiatorName: str(a.initiatorName, `${f}.initiatorName`),
    };
    if (a.targetName !== undefined) out.targetName = str(a.targetName, `${f}.targetName`);
    if (a.chap !== undefined) {
      if (!isObj(a.chap)) throw new ValidationError(`'${f}.chap' must be an object`, `${f}.chap`);
      out.chap = { user: str(a.chap.user, `${f}.chap.user`), secret: str(a.chap.secret, `${f}.chap.secret`) };
      if (a.chap.mutualUser !== undefined) out.chap.mutualUser = str(a.chap.mutualUser, `${f}.chap.mutualUser`);
      if (a.chap.mutualSecret !== undefined) out.chap.mutualSecret = str(a.chap.mutualSecret, `${f}.chap.mutualSecret`);
    }
    return out;
  });
  const nbdRaw = raw.nbd === undefined ? { tcp: DEFAULT_NBD_TCP } : raw.nbd;
  if (!isObj(nbdRaw)) throw new ValidationError("'nbd' must be an object", 'nbd');
  const nbd: HostConfig['nbd'] = {};
  if (nbdRaw.tcp !== undefined) nbd.tcp = loopbackHostPort(nbdRaw.tcp, 'nbd.tcp');
  if (nbdRaw.unix !== undefined) nbd.unix = resolve(baseDir, str(nbdRaw.unix, 'nbd.unix'));
  if (!nbd.tcp && !nbd.unix) throw new ValidationError("'nbd' needs 'tcp' and/or 'unix'", 'nbd');
  const mp = raw.multipath === undefined ? {} : raw.multipath;
  if (!isObj(mp)) throw new ValidationError("'multipath' must be an object", 'multipath');
  const selector = mp.selector ?? 'round-robin';
  if (selector !== 'round-robin' && selector !== 'least-queue-depth') {
    throw new ValidationError("'multipath.selector' must be 'round-robin' or 'least-queue-depth'", 'multipath.selector');
  }
  if (mp.explicitFailover !== undefined && typeof mp.explicitFailover !== 'boolean') {
    throw new ValidationError("'multipath.explicitFailover' must be true or false", 'multipath.explicitFailover');
  }
  return {
    arrays,
    nbd,
    multipath: {
      selector,
      checkerIntervalMs: mp.checkerIntervalMs === undefined ? 2000 : int(mp.checkerIntervalMs, 'multipath.checkerIntervalMs', 100),
      noPathRetryMs: mp.noPathRetryMs === undefined ? 60_000 : int(mp.noPathRetryMs, 'multipath.noPathRetryMs', 0),
      explicitFailover: mp.explicitFailover === true,
    },
    api: raw.api === undefined ? '127.0.0.1:0' : loopbackHostPort(raw.api, 'api'),
    dataDir: raw.dataDir === undefined ? DEFAULT_DATA_DIR : resolve(baseDir, str(raw.dataDir, 'dataDir')),
    commandTimeoutMs: raw.commandTimeoutMs === undefined ? 30_000 : int(raw.commandTimeoutMs, 'commandTimeoutMs', 100),
  };
}

export async function loadHostConfig(file: string): Promise<HostConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ValidationError(`cannot read the configuration file '${file}': ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ValidationError(`'${file}' is not valid JSON: ${(err as Error).message}`);
  }
  return parseHostConfig(json, dirname(resolve(file)));
}
