/**
 * Dual-controller configuration (docs/ha.md "Ports and addresses"): controllers A and B,
 * two ports each, every port its own portal group (TPGT) and relative target port id
 * (1..4), ALUA target port group = controller (A = 1, B = 2). The addresses come from
 * the array configuration (config.ts, port-addresses.ts): by default A0 127.0.0.1:3260,
 * A1 127.0.0.2:3260, B0 127.0.0.3:3260, B1 127.0.0.4:3260.
 */
import { ValidationError } from '../lib/errors.js';
import type { ClusterPolicy, IpFailoverMode } from '../cluster/index.js';
import { DEFAULT_CONFIG, type ArrayConfig } from './config.js';
import { parseHostPort, type PortalConfig } from './portal.js';
import { HA_CONTROLLER_NAMES } from './port-addresses.js';

export interface HaPortConfig extends PortalConfig {
  name: string;
  tpgt: number;
  relativeTargetPortId: number;
  /** ALUA target port group of the controller that normally serves it. */
  targetPortGroupId: number;
}

export interface HaControllerConfig {
  name: string;
  /** 1-based; = ALUA target port group id. */
  index: number;
  ports: HaPortConfig[];
  ipFailover: IpFailoverMode;
  /** Peer link listen port (loopback). */
  peerPort: number;
}

export interface HaConfig {
  controllers: HaControllerConfig[];
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  leaseMs: number;
  /** The initial cluster policy from the configuration file (the supervisor applies it over the defaults). */
  policy?: Partial<ClusterPolicy>;
}

/** The dual-controller layout of a loaded configuration (`config.controllers === 2`, four `portals` A0 A1 B0 B1). */
export function haConfigFrom(config: ArrayConfig, basePeerPort = 0): HaConfig {
  if (config.controllers !== 2 || config.portals.length !== HA_CONTROLLER_NAMES.length * 2) {
    throw new ValidationError(`controllers: a dual-controller layout needs controllers 2 and four port addresses (got ${config.controllers}, ${config.portals.length})`, 'controllers');
  }
  let rel = 0;
  const controllers = HA_CONTROLLER_NAMES.map((name, i): HaControllerConfig => ({
    name,
    index: i + 1,
    ipFailover: config.ipFailover[name] ?? 'both',
    peerPort: basePeerPort === 0 ? 0 : basePeerPort + i,
    ports: [0, 1].map((j) => {
      const addr = config.portals[rel]!;
      rel++;
      return { name: `${name}${j}`, host: addr.host, port: addr.port, tpgt: rel, relativeTargetPortId: rel, targetPortGroupId: i + 1 };
    }),
  }));
  return {
    controllers, heartbeatIntervalMs: config.heartbeatIntervalMs, heartbeatTimeoutMs: config.heartbeatTimeoutMs, leaseMs: config.leaseMs,
    ...(Object.keys(config.policy).length > 0 ? { policy: { ...config.policy } } : {}),
  };
}

/** The embedded default layout (A0 127.0.0.1:3260 … B1 127.0.0.4:3260). */
export function defaultHaConfig(count = 2, basePeerPort = 0): HaConfig {
  if (count !== 2) throw new ValidationError(`--controllers: only 1 or 2 controllers are supported (got ${count})`, 'controllers');
  return haConfigFrom(structuredClone({ ...DEFAULT_CONFIG }) as ArrayConfig, basePeerPort);
}

/**
 * Applies `NAME=HOST:PORT` overrides to a built layout; returns the unnamed `HOST:PORT`
 * values untouched. (`tandem up` resolves all addresses up front in loadConfig.)
 */
export function applyNamedPortals(ha: HaConfig, portals: readonly string[]): string[] {
  const rest: string[] = [];
  for (const p of portals) {
    const m = /^([A-Za-z][A-Za-z0-9]*)=(.+)$/.exec(p.trim());
    if (!m) {
      rest.push(p);
      continue;
    }
    const port = ha.controllers.flatMap((c) => c.ports).find((x) => x.name === m[1]);
    if (!port) throw new ValidationError(`--portal ${p}: no port named ${m[1]} (ports: ${ha.controllers.flatMap((c) => c.ports.map((x) => x.name)).join(', ')})`, 'portal');
    const hp = parseHostPort(m[2]!, '--portal');
    port.host = hp.host;
    port.port = hp.port;
  }
  const seen = new Set<string>();
  for (const port of ha.controllers.flatMap((c) => c.ports)) {
    const key = `${port.host}:${port.port}`;
    if (port.port !== 0 && seen.has(key)) throw new ValidationError(`portal ${key} is used by two ports; give each port its own address`, 'portal');
    seen.add(key);
  }
  return rest;
}

export function portByName(ha: HaConfig, name: string): { controller: HaControllerConfig; port: HaPortConfig } | undefined {
  for (const c of ha.controllers) for (const p of c.ports) if (p.name === name) return { controller: c, port: p };
  return undefined;
}
