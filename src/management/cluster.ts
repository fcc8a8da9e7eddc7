/**
 * The seam between the control plane (API) and the HA runtime of a dual-controller
 * array. The supervisor (src/supervisor/) implements ClusterControl; buildApp gets it as
 * an optional dependency: without one the array runs a single controller and the HA
 * routes answer 404.
 *
 * Implementations own the transitions and their event-log entries (severity, short,
 * long) and raise/clear alerts; they throw the typed errors of src/lib/errors.ts:
 * NotFoundError for an unknown controller/port/volume, ConflictError when the state
 * forbids the request (e.g. trespass to a failed controller), ValidationError for a
 * bad value. The API checks names and values before calling (see the check* helpers).
 *
 * Vocabulary from the DS300 failover note and the VNX trespass note (docs/sources.md):
 * preferred owner = the controller a volume returns to ("moved via management commands");
 * current owner = the controller serving it now; trespass = change the current owner.
 */
import type { FailoverMode } from '../controller/failover-mode.js';
import { IP_FAILOVER_MODES, type IpFailoverMode } from '../controller/ip-failover.js';
import type { VolumeOwnership } from '../controller/ownership.js';
import { TandemError, ValidationError } from '../lib/errors.js';

export { IP_FAILOVER_MODES } from '../controller/ip-failover.js';
export type { FailoverMode } from '../controller/failover-mode.js';

export const ControllerState = {
  Online: 'online',
  Starting: 'starting',
  Failed: 'failed',
  Disabled: 'disabled',
  Fenced: 'fenced',
  Stopped: 'stopped',
} as const;
export type ControllerState = (typeof ControllerState)[keyof typeof ControllerState];
export const CONTROLLER_STATES: readonly ControllerState[] = Object.values(ControllerState);

/** DS300 ipfailover modes: what happens to a port's address when its link goes down (local, remote, both, none). */
export type IpFailover = IpFailoverMode;

export interface ControllerPortInfo {
  /** Port name, e.g. "A0". */
  name: string;
  /** "host:port" the port's portal listens on. */
  address: string;
  /** The controller (or port) now listening on this address; null when nobody serves it. */
  servedBy: string | null;
  link: 'up' | 'down';
}

export interface ControllerInfo {
  name: string;
  /** Process id of the controller process; null when it is not running. */
  pid: number | null;
  state: ControllerState;
  ports: ControllerPortInfo[];
  /** Volumes this controller is the current owner of, by name. */
  volumesOwned: string[];
  ipFailover: IpFailover;
}

/**
 * A volume's ownership as the operator sees it: preferred and current owner, VNX
 * failover mode 0 auto-trespass, and whether a move is under way (ALUA transitioning on
 * both controllers). The controllers' VolumeOwnership without its id and epoch.
 */
export type OwnershipView = Pick<VolumeOwnership, 'preferredOwner' | 'currentOwner' | 'autoTrespass' | 'transitioning'>;

export const FaultKind = {
  KillController: 'kill-controller',
  /** SIGSTOP: the process hangs (no heartbeat, no lease renewal) until its peer has it fenced. */
  HangController: 'hang-controller',
  PortDown: 'port-down',
  PortUp: 'port-up',
  PeerLinkCut: 'peer-link-cut',
  PeerLinkRestore: 'peer-link-restore',
  BackendFail: 'backend-fail',
  BackendRepair: 'backend-repair',
} as const;
export type FaultKind = (typeof FaultKind)[keyof typeof FaultKind];
export const FAULT_KINDS: readonly FaultKind[] = Object.values(FaultKind);

export type FaultRequest =
  | { kind: 'kill-controller' | 'hang-controller'; controller: string }
  | { kind: 'port-down' | 'port-up'; port: string }
  | { kind: 'peer-link-cut' | 'peer-link-restore' }
  | { kind: 'backend-fail' | 'backend-repair'; controller: string; volume?: string };

export const NON_OWNER_STATES = ['active-non-optimized', 'standby'] as const;
export type NonOwnerState = (typeof NON_OWNER_STATES)[number];

export interface ClusterPolicy {
  /** 'auto': volumes return to their preferred owner when it rejoins (after failbackDelayMs). */
  failback: 'manual' | 'auto';
  failbackDelayMs: number;
  /** ALUA state a live non-owner reports for a volume. */
  nonOwnerState: NonOwnerState;
  /** Failover mode 4: I/Os the non-owner may serve beyond the owner before an implicit trespass (VNX: 64000). */
  aluaTrespassThreshold: number;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  /** Failover mode of hosts whose failoverMode is null (0..4). */
  defaultFailoverMode: FailoverMode;
  /**
   * Shortest time an ownership move holds the ALUA transitioning state (after the old
   * owner has drained its commands), e.g. to let a host's multipath layer observe it. 0 = no hold.
   */
  aluaTransitionMs: number;
}

export const DEFAULT_CLUSTER_POLICY: Readonly<ClusterPolicy> = {
  failback: 'manual', failbackDelayMs: 0, nonOwnerState: 'active-non-optimized', aluaTrespassThreshold: 64000,
  heartbeatIntervalMs: 100, heartbeatTimeoutMs: 600, defaultFailoverMode: 4, aluaTransitionMs: 0,
};

/** VNX initiator failover modes (003 VNX trespass note), by their short names. */
export const FAILOVER_MODES: Readonly<Record<FailoverMode, string>> = {
  0: 'auto-trespass',
  1: 'passive not ready',
  2: 'DMP',
  3: 'passive always ready',
  4: 'ALUA',
};

export function failoverModeText(mode: number): string {
  return `${mode} ${FAILOVER_MODES[mode as FailoverMode] ?? '?'}`;
}

export interface ClusterControl {
  listControllers(): ControllerInfo[];
  /** Brings a failed/disabled/fenced controller back ("peer enable"): the supervisor forks it again. */
  enableController(name: string, actor: string): Promise<void>;
  /** Stops a controller on purpose; its peer takes its volumes and addresses. */
  disableController(name: string, actor: string): Promise<void>;
  /** Throws NotFoundError for a volume the runtime does not know. */
  volumeOwnership(volumeName: string): OwnershipView;
  /** Changes the current owner; `to` undefined ⇒ the other controller. */
  trespass(volumeName: string, to: string | undefined, actor: string): Promise<{ from: string; to: string }>;
  /** Changes the preferred owner (and trespasses the volume there). */
  moveVolume(volumeName: string, to: string, actor: string): Promise<void>;
  setAutoTrespass(volumeName: string, on: boolean, actor: string): Promise<void>;
  /** Injects a fault (tests and drills); resolves to a one-line description of what was done. */
  fault(req: FaultRequest, actor: string): Promise<string>;
  policy(): ClusterPolicy;
  setPolicy(p: Partial<ClusterPolicy>, actor: string): Promise<ClusterPolicy>;
  /**
   * Sets a controller's DS300 ipFailover mode (local, remote, both, none) at run time;
   * the addresses are re-planned at once. Resolves to the controller as it is now.
   */
  setIpFailover(name: string, mode: IpFailover, actor: string): Promise<ControllerInfo>;
}

/** What the HA routes answer when buildApp got no ClusterControl. */
export class SingleControllerError extends TandemError {
  constructor() {
    super('NOT_FOUND', 404, 'this array runs a single controller: controllers, ownership, trespass, faults and the cluster policy need a dual-controller array (tandem up --controllers 2)');
  }
}

export function checkFailoverMode(value: unknown, field = 'failoverMode'): FailoverMode {
  if (typeof value !== 'number' || !Number.isInteger(value) || !(value in FAILOVER_MODES)) {
    const modes = Object.entries(FAILOVER_MODES).map(([k, v]) => `${k} ${v}`).join(', ');
    throw new ValidationError(`${field} must be one of ${modes} (got ${JSON.stringify(value)})`, field);
  }
  return value as FailoverMode;
}

function checkInt(p: Record<string, unknown>, field: string, min: number, max: number, unit: string): void {
  const v = p[field];
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ValidationError(`${field} must be a whole number of ${unit} from ${min} to ${max} (got ${JSON.stringify(v)})`, field);
  }
}

/**
 * Checks a policy change (loose input such as an API body) against the current policy;
 * returns the checked change, without undefined fields. The heartbeat timeout must
 * leave room for at least two missed heartbeats.
 */
export function checkPolicyPatch(current: ClusterPolicy, input: object): Partial<ClusterPolicy> {
  const p = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const patch = p as Partial<ClusterPolicy>;
  for (const k of Object.keys(p)) {
    if (!(k in DEFAULT_CLUSTER_POLICY)) {
      throw new ValidationError(`unknown policy field '${k}': use ${Object.keys(DEFAULT_CLUSTER_POLICY).join(', ')}`, k);
    }
  }
  if (p.failback !== undefined && p.failback !== 'manual' && p.failback !== 'auto') {
    throw new ValidationError(`failback must be 'manual' or 'auto' (got ${JSON.stringify(p.failback)})`, 'failback');
  }
  if (p.nonOwnerState !== undefined && !NON_OWNER_STATES.includes(p.nonOwnerState as NonOwnerState)) {
    throw new ValidationError(`nonOwnerState must be one of ${NON_OWNER_STATES.join(', ')} (got ${JSON.stringify(p.nonOwnerState)})`, 'nonOwnerState');
  }
  checkInt(p, 'failbackDelayMs', 0, 86_400_000, 'milliseconds');
  checkInt(p, 'aluaTrespassThreshold', 1, 1_000_000_000, 'I/Os');
  checkInt(p, 'aluaTransitionMs', 0, 60_000, 'milliseconds');
  checkInt(p, 'heartbeatIntervalMs', 10, 60_000, 'milliseconds');
  checkInt(p, 'heartbeatTimeoutMs', 20, 600_000, 'milliseconds');
  if (p.defaultFailoverMode !== undefined) checkFailoverMode(p.defaultFailoverMode, 'defaultFailoverMode');
  const merged: ClusterPolicy = { ...current, ...patch };
  if (merged.heartbeatTimeoutMs < 2 * merged.heartbeatIntervalMs) {
    const field = patch.heartbeatTimeoutMs !== undefined ? 'heartbeatTimeoutMs' : 'heartbeatIntervalMs';
    throw new ValidationError(
      `heartbeatTimeoutMs (${merged.heartbeatTimeoutMs}) must be at least twice heartbeatIntervalMs (${merged.heartbeatIntervalMs}), ` +
        'or one late heartbeat fails a healthy controller over', field);
  }
  return patch;
}

/** Loose input → an ipFailover mode, or a ValidationError naming the field and the valid values. */
export function checkIpFailover(value: unknown, field = 'ipFailover'): IpFailover {
  if (typeof value !== 'string' || !IP_FAILOVER_MODES.includes(value as IpFailover)) {
    throw new ValidationError(`${field} must be one of ${IP_FAILOVER_MODES.join(', ')} (got ${JSON.stringify(value)})`, field);
  }
  return value as IpFailover;
}

/** Loose input (an API body) → a FaultRequest, naming the missing or stray field. */
export function checkFaultRequest(body: { kind: string; controller?: string | undefined; port?: string | undefined; volume?: string | undefined }): FaultRequest {
  const { kind } = body;
  if (!FAULT_KINDS.includes(kind as FaultKind)) {
    throw new ValidationError(`kind must be one of ${FAULT_KINDS.join(', ')} (got ${JSON.stringify(kind)})`, 'kind');
  }
  const needs: Record<FaultKind, Array<'controller' | 'port' | 'volume'>> = {
    'kill-controller': ['controller'], 'hang-controller': ['controller'], 'port-down': ['port'], 'port-up': ['port'], 'peer-link-cut': [], 'peer-link-restore': [],
    'backend-fail': ['controller'], 'backend-repair': ['controller'],
  };
  const allowed = new Set<string>([...needs[kind as FaultKind], ...(kind.startsWith('backend-') ? ['volume'] : [])]);
  for (const f of ['controller', 'port', 'volume'] as const) {
    if (body[f] !== undefined && !allowed.has(f)) throw new ValidationError(`a ${kind} fault takes no ${f}: remove it`, f);
  }
  for (const f of needs[kind as FaultKind]) {
    if (body[f] === undefined || body[f] === '') throw new ValidationError(`a ${kind} fault needs ${f}`, f);
  }
  switch (kind as FaultKind) {
    case 'kill-controller': case 'hang-controller': return { kind: kind as 'kill-controller' | 'hang-controller', controller: body.controller! };
    case 'port-down': case 'port-up': return { kind: kind as 'port-down' | 'port-up', port: body.port! };
    case 'peer-link-cut': case 'peer-link-restore': return { kind: kind as 'peer-link-cut' | 'peer-link-restore' };
    default: return {
      kind: kind as 'backend-fail' | 'backend-repair', controller: body.controller!,
      ...(body.volume !== undefined ? { volume: body.volume } : {}),
    };
  }
}

/** The named controller, or NotFoundError listing the controllers there are. */
export function findController(cluster: ClusterControl, name: string): ControllerInfo {
  const all = cluster.listControllers();
  const c = all.find((x) => x.name === name);
  if (!c) throw new TandemError('NOT_FOUND', 404, `controller '${name}' does not exist: this array has controllers ${all.map((x) => x.name).join(', ')}`);
  return c;
}

/** The named port, or NotFoundError listing the ports there are. */
export function findPort(cluster: ClusterControl, name: string): ControllerPortInfo {
  const ports = cluster.listControllers().flatMap((c) => c.ports);
  const p = ports.find((x) => x.name === name);
  if (!p) throw new TandemError('NOT_FOUND', 404, `port '${name}' does not exist: this array has ports ${ports.map((x) => x.name).join(', ')}`);
  return p;
}
