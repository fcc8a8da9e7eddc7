/**
 * The controllers of a dual-controller array, as every layer names them (docs/ha.md;
 * DS300 note in docs/sources.md): the supervisor's controller states, the health the
 * ownership and ALUA logic see, the DS300 ipFailover modes, and the operator's view of a
 * controller and its ports. Pure: names, types and one check.
 */
import { ValidationError } from '../lib/errors.js';

/** A controller process as the supervisor sees it (src/supervisor/supervisor.ts). */
export const CONTROLLER_STATES = ['online', 'starting', 'failed', 'disabled', 'fenced', 'stopped'] as const;
export type ControllerState = (typeof CONTROLLER_STATES)[number];

/**
 * The state the operator sees (`tandem controller list`, GET /v1/controllers): the
 * supervisor's state, except that an online controller whose ports failed it over to its
 * peer (ipFailover remote, or both with every port down; docs/ha.md "Port failures") is
 * 'failed-over': its process runs, but it serves no host; its peer serves its addresses
 * and the volumes it owned.
 */
export const CONTROLLER_REPORTED_STATES = [...CONTROLLER_STATES, 'failed-over'] as const;
export type ControllerReportedState = (typeof CONTROLLER_REPORTED_STATES)[number];

/**
 * Controller health as the ownership and ALUA logic see it (docs/ha.md "Ownership and
 * ALUA"): 'online' running, back end reachable; 'backend-failed' running but cannot do
 * I/O to the back end (DS300: standby); 'starting' process starting, not yet serving;
 * 'failed', 'disabled', 'fenced'.
 */
export const CONTROLLER_HEALTHS = ['online', 'backend-failed', 'starting', 'failed', 'disabled', 'fenced'] as const;
export type ControllerHealth = (typeof CONTROLLER_HEALTHS)[number];

/**
 * DS300 ipFailover modes: what happens to a port's address when its link goes down
 * (local, remote, both, none; docs/ha.md "Port failures"). The planner that applies them
 * is src/controller/ip-failover.ts.
 */
export type IpFailoverMode = 'local' | 'remote' | 'both' | 'none';
export const IP_FAILOVER_MODES: readonly IpFailoverMode[] = ['local', 'remote', 'both', 'none'];

/** Loose input → an ipFailover mode, or a ValidationError naming the field and the valid values. */
export function checkIpFailover(value: unknown, field = 'ipFailover'): IpFailoverMode {
  if (typeof value !== 'string' || !IP_FAILOVER_MODES.includes(value as IpFailoverMode)) {
    throw new ValidationError(`${field} must be one of ${IP_FAILOVER_MODES.join(', ')} (got ${JSON.stringify(value)})`, field);
  }
  return value as IpFailoverMode;
}

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
  state: ControllerReportedState;
  ports: ControllerPortInfo[];
  /** Volumes this controller is the current owner of, by name. */
  volumesOwned: string[];
  ipFailover: IpFailoverMode;
  /** Its lease epoch in the state store (bumped by every start and every fence; docs/ha.md "Failure detection, fencing, takeover"). */
  leaseEpoch?: number;
}
