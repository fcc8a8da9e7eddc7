/**
 * The array's configuration: the embedded default, a JSON configuration file, and
 * command-line flags, merged in that order (later wins). Validation errors name the
 * setting and the fix.
 *
 * The embedded default is the dual-controller array: controllers A and B, ports A0 A1
 * B0 B1 on 127.0.0.1..127.0.0.4:3260 (port-addresses.ts). `controllers: 1` (or
 * `--controllers 1`) runs the single-controller array on `portals`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ValidationError } from '../lib/errors.js';
import { checkPolicyPatch, DEFAULT_CLUSTER_POLICY, IP_FAILOVER_MODES, type ClusterPolicy, type IpFailoverMode } from '../cluster/index.js';
import { parseHostPort, type PortalConfig } from './portal.js';
import { checkDistinct, HA_CONTROLLER_NAMES, HA_PORT_NAMES, resolvePortAddresses, type AddressSource } from './port-addresses.js';

export { HA_CONTROLLER_NAMES, HA_PORT_NAMES } from './port-addresses.js';

export interface ArrayConfig {
  /** Where volumes, state and the API token live. */
  dataDir: string;
  /** Management API listen address. */
  api: PortalConfig;
  /** 2 (default): controllers A and B as separate processes; 1: the single-controller array. */
  controllers: 1 | 2;
  /**
   * iSCSI portals. One controller: each is a port of its own (TPGT 1, 2, …). Two
   * controllers: exactly four, the addresses of ports A0, A1, B0, B1 in that order.
   */
  portals: PortalConfig[];
  /** Two controllers: what happens to a port's address when its link fails, per controller. */
  ipFailover: Record<string, IpFailoverMode>;
  /** Two controllers: peer-link heartbeat, the silence that fails a peer, and the lease in the state store. */
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  leaseMs: number;
  /** Two controllers: the initial cluster policy (checked with checkPolicyPatch; heartbeats are set above). */
  policy: Partial<ClusterPolicy>;
  /** Target NOP-In keepalive interval and timeout, ms. */
  nopIntervalMs: number;
  nopTimeoutMs: number;
  logLevel: string;
}

/** The embedded default: two controllers, loopback only, a data directory in the working folder. */
export const DEFAULT_CONFIG: Readonly<ArrayConfig> = Object.freeze<ArrayConfig>({
  dataDir: './tandem-data',
  api: { host: '127.0.0.1', port: 7260 },
  controllers: 2,
  portals: [
    { host: '127.0.0.1', port: 3260 }, { host: '127.0.0.2', port: 3260 },
    { host: '127.0.0.3', port: 3260 }, { host: '127.0.0.4', port: 3260 },
  ],
  ipFailover: { A: 'both', B: 'both' },
  heartbeatIntervalMs: 100,
  heartbeatTimeoutMs: 600,
  leaseMs: 800,
  policy: {},
  nopIntervalMs: 5000,
  nopTimeoutMs: 15000,
  logLevel: 'info',
});

/** The portal of a single-controller array when none is given. */
export const DEFAULT_SINGLE_PORTAL: Readonly<PortalConfig> = Object.freeze({ host: '127.0.0.1', port: 3260 });

export interface ConfigFlags {
  dataDir?: string;
  config?: string;
  api?: string;
  /** `HOST:PORT` (unnamed) or, with two controllers, `NAME=HOST:PORT` (one port). */
  portal?: string[];
  logLevel?: string;
  /** 1 or 2 (default 2); a string as typed on the command line is checked here. */
  controllers?: number | string;
}

/** What the file says before flags are applied (addresses still by source). */
interface FileSettings {
  named: Map<string, AddressSource>;
  unnamed: AddressSource[];
  given: Set<string>;
}

const FILE_KEYS = [
  'dataDir', 'api', 'controllers', 'portals', 'ports', 'ipFailover', 'heartbeatIntervalMs', 'heartbeatTimeoutMs', 'leaseMs', 'policy',
  'nopIntervalMs', 'nopTimeoutMs', 'logLevel',
] as const;
/** Settings that only mean something with two controllers. */
const HA_ONLY_KEYS = ['ports', 'ipFailover', 'heartbeatIntervalMs', 'heartbeatTimeoutMs', 'leaseMs', 'policy'] as const;
const NAMED_PORTAL = /^([A-Za-z][A-Za-z0-9]*)=(.+)$/;

/** Merge default ← file ← flags into a validated config with an absolute data directory. */
export function loadConfig(flags: ConfigFlags, cwd = process.cwd()): ArrayConfig {
  const cfg: ArrayConfig = structuredClone({ ...DEFAULT_CONFIG }) as ArrayConfig;
  const file: FileSettings = { named: new Map(), unnamed: [], given: new Set() };
  if (flags.config) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(flags.config, 'utf8'));
    } catch (e) {
      throw new ValidationError(`--config: cannot read ${flags.config} as JSON: ${(e as Error).message}`, 'config');
    }
    mergeFile(cfg, file, raw, flags.config);
  }
  if (flags.dataDir) cfg.dataDir = flags.dataDir;
  if (flags.api) cfg.api = parseHostPort(flags.api, '--api');
  if (flags.logLevel) cfg.logLevel = flags.logLevel;
  if (flags.controllers !== undefined) cfg.controllers = checkControllers(flags.controllers, '--controllers');
  cfg.dataDir = resolve(cwd, cfg.dataDir);

  // Addresses: named ports from the file, overridden port by port by --portal NAME=…;
  // unnamed --portal values replace the file's `portals` list.
  const named = new Map(file.named);
  const flagUnnamed: AddressSource[] = [];
  for (const p of flags.portal ?? []) {
    const m = NAMED_PORTAL.exec(p.trim());
    if (m) named.set(m[1]!, { ...parseHostPort(m[2]!, '--portal'), field: '--portal', text: p.trim(), where: '--portal' });
    else flagUnnamed.push({ ...parseHostPort(p, '--portal'), field: '--portal', text: p.trim(), where: '--portal' });
  }
  const unnamed = flagUnnamed.length > 0 ? flagUnnamed : file.unnamed;
  const controllersFrom = flags.controllers !== undefined ? '--controllers 1' : `"controllers": 1 in ${flags.config}`;

  if (cfg.controllers === 1) {
    const [name, first] = [...named][0] ?? [];
    if (first) {
      throw new ValidationError(
        `${first.where} ${first.text}: named ports (A0, A1, B0, B1) belong to the dual-controller array, ` +
          `but this array runs one controller (${controllersFrom}): give plain HOST:PORT portals, or run two controllers`, first.field === '--portal' ? 'portal' : 'ports');
    }
    for (const k of HA_ONLY_KEYS) {
      if (file.given.has(k)) {
        throw new ValidationError(`${flags.config}: ${k} applies to the dual-controller array, but this array runs one controller (${controllersFrom}): remove ${k} or run two controllers`, k);
      }
    }
    cfg.portals = unnamed.length > 0 ? unnamed.map(({ host, port }) => ({ host, port })) : [{ ...DEFAULT_SINGLE_PORTAL }];
    checkDistinct(cfg.portals.map((p) => ({ ...p, what: `${p.host}:${p.port}` })), unnamed[0]?.field === '--portal' ? 'portal' : 'portals');
  } else {
    cfg.portals = resolvePortAddresses(named, unnamed);
  }
  return cfg;
}

function checkControllers(v: unknown, field: string): 1 | 2 {
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
  if (n !== 1 && n !== 2) {
    throw new ValidationError(`${field}: only 1 (single controller) or 2 (controllers A and B, the default) are supported (got ${JSON.stringify(v)})`, 'controllers');
  }
  return n;
}

function intSetting(o: Record<string, unknown>, k: string, file: string, min: number, max: number): number | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ValidationError(`${file}: ${k} must be a whole number of milliseconds from ${min} to ${max} (got ${JSON.stringify(v)})`, k);
  }
  return v;
}

function mergeFile(out: ArrayConfig, fs: FileSettings, raw: unknown, file: string): void {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ValidationError(`${file}: the configuration must be a JSON object`, 'config');
  const o = raw as Record<string, unknown>;
  const known = new Set<string>(FILE_KEYS);
  for (const k of Object.keys(o)) if (!known.has(k)) throw new ValidationError(`${file}: unknown setting '${k}' (known: ${FILE_KEYS.join(', ')})`, k);
  for (const k of Object.keys(o)) if (o[k] !== undefined) fs.given.add(k);
  if (o.dataDir !== undefined) {
    if (typeof o.dataDir !== 'string') throw new ValidationError(`${file}: dataDir must be a path string`, 'dataDir');
    out.dataDir = o.dataDir;
  }
  if (o.api !== undefined) {
    if (typeof o.api !== 'string') throw new ValidationError(`${file}: api must be "HOST:PORT"`, 'api');
    out.api = parseHostPort(o.api, 'api');
  }
  if (o.controllers !== undefined) out.controllers = checkControllers(o.controllers, `${file}: controllers`);
  if (o.portals !== undefined) {
    if (!Array.isArray(o.portals) || o.portals.some((p) => typeof p !== 'string') || o.portals.length === 0) {
      throw new ValidationError(`${file}: portals must be a non-empty list of "HOST:PORT" strings`, 'portals');
    }
    fs.unnamed = (o.portals as string[]).map((p) => ({ ...parseHostPort(p, 'portals'), field: 'portals', text: p, where: `${file}: portals` }));
  }
  if (o.ports !== undefined) {
    if (typeof o.ports !== 'object' || o.ports === null || Array.isArray(o.ports)) {
      throw new ValidationError(`${file}: ports must be an object of port name to "HOST:PORT", e.g. {"A0": "127.0.0.1:3260", "B0": "127.0.0.3:3260"}`, 'ports');
    }
    for (const [name, v] of Object.entries(o.ports as Record<string, unknown>)) {
      if (!(HA_PORT_NAMES as readonly string[]).includes(name)) {
        throw new ValidationError(`${file}: ports.${name}: no port named ${name} (ports: ${HA_PORT_NAMES.join(', ')})`, 'ports');
      }
      if (typeof v !== 'string') throw new ValidationError(`${file}: ports.${name} must be "HOST:PORT"`, 'ports');
      fs.named.set(name, { ...parseHostPort(v, `ports.${name}`), field: 'ports', text: v, where: `${file}: ports.${name}` });
    }
  }
  if (o.ipFailover !== undefined) {
    if (typeof o.ipFailover !== 'object' || o.ipFailover === null || Array.isArray(o.ipFailover)) {
      throw new ValidationError(`${file}: ipFailover must be an object of controller name to mode, e.g. {"A": "both", "B": "local"}`, 'ipFailover');
    }
    for (const [name, v] of Object.entries(o.ipFailover as Record<string, unknown>)) {
      if (!(HA_CONTROLLER_NAMES as readonly string[]).includes(name)) {
        throw new ValidationError(`${file}: ipFailover.${name}: no controller named ${name} (controllers: ${HA_CONTROLLER_NAMES.join(', ')})`, 'ipFailover');
      }
      if (!IP_FAILOVER_MODES.includes(v as IpFailoverMode)) {
        throw new ValidationError(`${file}: ipFailover.${name} must be one of ${IP_FAILOVER_MODES.join(', ')} (got ${JSON.stringify(v)})`, 'ipFailover');
      }
      out.ipFailover[name] = v as IpFailoverMode;
    }
  }
  out.heartbeatIntervalMs = intSetting(o, 'heartbeatIntervalMs', file, 10, 60_000) ?? out.heartbeatIntervalMs;
  out.heartbeatTimeoutMs = intSetting(o, 'heartbeatTimeoutMs', file, 20, 600_000) ?? out.heartbeatTimeoutMs;
  out.leaseMs = intSetting(o, 'leaseMs', file, 200, 600_000) ?? out.leaseMs;
  if (out.heartbeatTimeoutMs < 2 * out.heartbeatIntervalMs) {
    const k = o.heartbeatTimeoutMs !== undefined ? 'heartbeatTimeoutMs' : 'heartbeatIntervalMs';
    throw new ValidationError(`${file}: heartbeatTimeoutMs (${out.heartbeatTimeoutMs}) must be at least twice heartbeatIntervalMs (${out.heartbeatIntervalMs}), ` +
      'or one late heartbeat fails a healthy controller over', k);
  }
  if (out.leaseMs <= out.heartbeatTimeoutMs) {
    const k = o.leaseMs !== undefined ? 'leaseMs' : 'heartbeatTimeoutMs';
    throw new ValidationError(`${file}: leaseMs (${out.leaseMs}) must be longer than heartbeatTimeoutMs (${out.heartbeatTimeoutMs}): ` +
      'a controller that is only late with its heartbeats must not lose its lease; raise leaseMs', k);
  }
  if (o.policy !== undefined) out.policy = checkFilePolicy(o.policy, out, file);
  for (const k of ['nopIntervalMs', 'nopTimeoutMs'] as const) {
    if (o[k] !== undefined) {
      if (typeof o[k] !== 'number' || !Number.isInteger(o[k]) || (o[k] as number) < 100) throw new ValidationError(`${file}: ${k} must be an integer ≥ 100 (milliseconds)`, k);
      out[k] = o[k] as number;
    }
  }
  if (o.logLevel !== undefined) out.logLevel = String(o.logLevel);
}

/** `policy` of the file: the cluster policy's own checker, with the field named as `policy.X`. */
function checkFilePolicy(raw: unknown, cfg: ArrayConfig, file: string): Partial<ClusterPolicy> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ValidationError(`${file}: policy must be an object, e.g. {"failback": "auto", "failbackDelayMs": 5000}`, 'policy');
  }
  for (const k of ['heartbeatIntervalMs', 'heartbeatTimeoutMs'] as const) {
    if (k in raw) throw new ValidationError(`${file}: policy.${k}: set ${k} at the top level of the configuration, not in policy`, `policy.${k}`);
  }
  const current: ClusterPolicy = { ...DEFAULT_CLUSTER_POLICY, heartbeatIntervalMs: cfg.heartbeatIntervalMs, heartbeatTimeoutMs: cfg.heartbeatTimeoutMs };
  try {
    return checkPolicyPatch(current, raw);
  } catch (err) {
    if (err instanceof ValidationError) throw new ValidationError(`${file}: policy.${err.field ?? ''}: ${err.message}`, `policy.${err.field ?? ''}`);
    throw err;
  }
}
