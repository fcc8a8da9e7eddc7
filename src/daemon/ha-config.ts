/**
 * Dual-controller configuration (HA design "Ports and addresses"): controllers A and B,
 * two ports each, every port its own portal group (TPGT) and relative target port id
 * (1..4), ALUA target port group = controller (A = 1, B = 2).
 * `--portal A0=127.0.0.1:13260` (named form) overrides one port's address.
 */
import { ValidationError } from '../lib/errors.js';
import type { ClusterPolicy, IpFailover } from '../control/cluster.js';
import type { ControllerHealth } from '../controller/index.js';
import { parseHostPort, type PortalConfig } from './config.js';

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
  ipFailover: IpFailover;
  /** Peer link listen port (loopback). */
  peerPort: number;
}

export interface HaConfig {
  controllers: HaControllerConfig[];
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  leaseMs: number;
}

const NAMES = ['A', 'B'] as const;

export function defaultHaConfig(count = 2, basePeerPort = 0): HaConfig {
  if (count !== 2) throw new ValidationError(`--controllers: only 1 or 2 controllers are supported (got ${count})`, 'controllers');
  let rel = 0;
  const controllers = NAMES.map((name, i): HaControllerConfig => ({
    name,
    index: i + 1,
    ipFailover: 'both',
    peerPort: basePeerPort === 0 ? 0 : basePeerPort + i,
    ports: [0, 1].map((j) => {
      rel++;
      return { name: `${name}${j}`, host: `127.0.${i + 1}.${j + 1}`, port: 3260, tpgt: rel, relativeTargetPortId: rel, targetPortGroupId: i + 1 };
    }),
  }));
  return { controllers, heartbeatIntervalMs: 100, heartbeatTimeoutMs: 600, leaseMs: 800 };
}

/** Applies `NAME=HOST:PORT` overrides; returns the unnamed `HOST:PORT` values untouched. */
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

/** What the supervisor sends a controller process at start ('init' over IPC). */
export interface ControllerInit {
  self: string;
  dataDir: string;
  ha: HaConfig;
  /** Peer link: where controller A listens (B connects). */
  peerLinkPort: number;
  nopIntervalMs: number;
  nopTimeoutMs: number;
  policy: ClusterPolicy;
  /** Health of the other controllers as the supervisor sees them at fork time. */
  peers: Record<string, ControllerHealth>;
}
