/**
 * The seam between the control plane (API) and the HA runtime of a dual-controller
 * array. The supervisor (src/supervisor/cluster-control.ts) implements ClusterControl;
 * buildApp gets it as an optional dependency: without one the array runs a single
 * controller and the HA routes answer 404.
 *
 * Implementations own the transitions and their event-log entries (severity, short,
 * long) and raise/clear alerts; they throw the typed errors of src/lib/errors.ts:
 * NotFoundError for an unknown controller/port/volume, ConflictError when the state
 * forbids the request (e.g. trespass to a failed controller), ValidationError for a
 * bad value. The API checks names and values before calling (the check* helpers of
 * this folder).
 *
 * Vocabulary from the DS300 failover note and the VNX trespass note (docs/sources.md):
 * preferred owner = the controller a volume returns to ("moved via management commands");
 * current owner = the controller serving it now; trespass = change the current owner.
 */
import { TandemError } from '../lib/errors.js';
import type { ControllerInfo, ControllerPortInfo, IpFailoverMode } from './controllers.js';
import type { FaultRequest } from './faults.js';
import type { OwnershipView } from './ownership.js';
import type { ClusterPolicy } from './policy.js';

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
  setIpFailover(name: string, mode: IpFailoverMode, actor: string): Promise<ControllerInfo>;
}

/** What the HA routes answer when buildApp got no ClusterControl. */
export class SingleControllerError extends TandemError {
  constructor() {
    super('NOT_FOUND', 404, 'this array runs a single controller: controllers, ownership, trespass, faults and the cluster policy need a dual-controller array (tandem up --controllers 2)');
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
