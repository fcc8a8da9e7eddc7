/**
 * The array's configuration: the embedded default, a JSON configuration file, and
 * command-line flags, merged in that order (later wins). Validation errors name the
 * setting and the fix.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { ValidationError } from '../lib/errors.js';

export interface PortalConfig {
  host: string;
  port: number;
}

export interface ArrayConfig {
  /** Where volumes, state and the API token live. */
  dataDir: string;
  /** Management API listen address. */
  api: PortalConfig;
  /** iSCSI portals (one target portal group). */
  portals: PortalConfig[];
  /** Target NOP-In keepalive interval and timeout, ms. */
  nopIntervalMs: number;
  nopTimeoutMs: number;
  logLevel: string;
}

/** The embedded default: loopback only, a data directory in the working folder. */
export const DEFAULT_CONFIG: ArrayConfig = {
  dataDir: './tandem-data',
  api: { host: '127.0.0.1', port: 7260 },
  portals: [{ host: '127.0.0.1', port: 3260 }],
  nopIntervalMs: 5000,
  nopTimeoutMs: 15000,
  logLevel: 'info',
};

/** Parse "HOST:PORT", "[v6]:PORT" or ":PORT"/"PORT" (host defaults to 127.0.0.1). */
export function parseHostPort(value: string, field: string): PortalConfig {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):?(\d+)$/.exec(value.trim()) ?? /^()()(\d+)$/.exec(value.trim());
  if (!m) throw new ValidationError(`${field}: '${value}' is not HOST:PORT (example: 127.0.0.1:3260)`, field);
  const host = m[1] ?? (m[2] || '127.0.0.1');
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ValidationError(`${field}: port ${m[3]} is out of range 0-65535`, field);
  if (host !== 'localhost' && isIP(host) === 0) throw new ValidationError(`${field}: '${host}' is not an IP address (use a numeric address such as 127.0.0.1)`, field);
  return { host: host === 'localhost' ? '127.0.0.1' : host, port };
}

export function isLoopback(host: string): boolean {
  return host === '::1' || host.startsWith('127.') || host === 'localhost';
}

export interface ConfigFlags {
  dataDir?: string;
  config?: string;
  api?: string;
  portal?: string[];
  logLevel?: string;
  /** HA (haruntime): 2 ⇒ dual-controller array; `portal` may then hold NAME=HOST:PORT entries. */
  controllers?: number;
}

/** Merge default ← file ← flags into a validated config with an absolute data directory. */
export function loadConfig(flags: ConfigFlags, cwd = process.cwd()): ArrayConfig {
  let cfg: ArrayConfig = { ...DEFAULT_CONFIG, portals: [...DEFAULT_CONFIG.portals] };
  if (flags.config) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(flags.config, 'utf8'));
    } catch (e) {
      throw new ValidationError(`--config: cannot read ${flags.config} as JSON: ${(e as Error).message}`, 'config');
    }
    cfg = mergeFile(cfg, raw, flags.config);
  }
  if (flags.dataDir) cfg.dataDir = flags.dataDir;
  if (flags.api) cfg.api = parseHostPort(flags.api, '--api');
  const plainPortals = (flags.portal ?? []).filter((p) => !/^[A-Za-z][A-Za-z0-9]*=/.test(p.trim()));
  if (plainPortals.length > 0) cfg.portals = plainPortals.map((p) => parseHostPort(p, '--portal'));
  if (flags.logLevel) cfg.logLevel = flags.logLevel;
  cfg.dataDir = resolve(cwd, cfg.dataDir);
  const seen = new Set<string>();
  for (const p of cfg.portals) {
    const key = `${p.host}:${p.port}`;
    if (seen.has(key)) throw new ValidationError(`portal ${key} is listed twice; give each portal once`, 'portals');
    seen.add(key);
  }
  return cfg;
}

function mergeFile(base: ArrayConfig, raw: unknown, file: string): ArrayConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ValidationError(`${file}: the configuration must be a JSON object`, 'config');
  const o = raw as Record<string, unknown>;
  const known = new Set(['dataDir', 'api', 'portals', 'nopIntervalMs', 'nopTimeoutMs', 'logLevel']);
  for (const k of Object.keys(o)) if (!known.has(k)) throw new ValidationError(`${file}: unknown setting '${k}' (known: ${[...known].join(', ')})`, k);
  const out = { ...base };
  if (o.dataDir !== undefined) {
    if (typeof o.dataDir !== 'string') throw new ValidationError(`${file}: dataDir must be a path string`, 'dataDir');
    out.dataDir = o.dataDir;
  }
  if (o.api !== undefined) {
    if (typeof o.api !== 'string') throw new ValidationError(`${file}: api must be "HOST:PORT"`, 'api');
    out.api = parseHostPort(o.api, 'api');
  }
  if (o.portals !== undefined) {
    if (!Array.isArray(o.portals) || o.portals.some((p) => typeof p !== 'string') || o.portals.length === 0) {
      throw new ValidationError(`${file}: portals must be a non-empty list of "HOST:PORT" strings`, 'portals');
    }
    out.portals = (o.portals as string[]).map((p) => parseHostPort(p, 'portals'));
  }
  for (const k of ['nopIntervalMs', 'nopTimeoutMs'] as const) {
    if (o[k] !== undefined) {
      if (typeof o[k] !== 'number' || !Number.isInteger(o[k]) || (o[k] as number) < 100) throw new ValidationError(`${file}: ${k} must be an integer ≥ 100 (milliseconds)`, k);
      out[k] = o[k] as number;
    }
  }
  if (o.logLevel !== undefined) out.logLevel = String(o.logLevel);
  return out;
}
