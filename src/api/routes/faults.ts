/** /v1/faults: fault injection on a dual-controller array (drills and tests). */
import type { FastifyPluginAsync } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { actorOf, clusterOf } from '../deps.js';
import { ErrorBody, FaultBody, FaultResult } from '../schemas.js';
import { checkFaultRequest, findController, findPort } from '../../cluster/index.js';

export function faultRoutes(deps: ApiDeps): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: FaultBody }>('/v1/faults', {
      schema: {
        tags: ['faults'], body: FaultBody, response: { 200: FaultResult, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
        summary: 'Inject a fault: kill-controller, hang-controller, port-down/up, peer-link-cut/restore, backend-fail/repair',
      },
    }, async (req) => {
      const cluster = clusterOf(deps);
      const f = checkFaultRequest(req.body);
      if ('controller' in f) findController(cluster, f.controller);
      if ('port' in f) findPort(cluster, f.port);
      if ('volume' in f && f.volume !== undefined) deps.services.volumes.get(f.volume);
      return { kind: f.kind, message: await cluster.fault(f, actorOf(req)) };
    });
  };
}
