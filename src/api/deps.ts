/** What buildApp needs; the daemon constructs all of it. */
import type { FastifyRequest } from 'fastify';
import type { Logger } from '../lib/logger.js';
import type { ControlServices } from '../management/index.js';
import type { DataPlane } from '../management/data-plane.js';
import { SingleControllerError, type ClusterControl } from '../cluster/index.js';
import { ACTOR_HEADER } from '../lib/api-contract.js';

export interface ApiDeps {
  services: ControlServices;
  dataPlane: DataPlane;
  /** The bearer token every protected request must carry. */
  token: string;
  logger: Logger;
  /** The HA runtime of a dual-controller array; absent = a single controller (the HA routes answer 404). */
  cluster?: ClusterControl | undefined;
}

/** The ClusterControl, or a 404 saying the array runs a single controller. */
export function clusterOf(deps: ApiDeps): ClusterControl {
  if (!deps.cluster) throw new SingleControllerError();
  return deps.cluster;
}

/** "api", or the client's self-description from the X-Tandem-Actor header (e.g. "cli"). */
export function actorOf(request: FastifyRequest): string {
  const h = request.headers[ACTOR_HEADER];
  return typeof h === 'string' && /^[A-Za-z0-9._@-]{1,32}$/.test(h) ? h : 'api';
}
