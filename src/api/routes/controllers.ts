/** /v1/controllers and /v1/cluster/policy: the controllers of a dual-controller array. */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ApiDeps } from '../deps.js';
import { actorOf, clusterOf } from '../deps.js';
import { ClusterPolicy, Controller, ErrorBody, FailbackResult, NameParams, PatchControllerBody, PatchPolicyBody } from '../schemas.js';
import { presentController } from '../present.js';
import { checkIpFailover, checkPolicyPatch, findController } from '../../cluster/index.js';
import { ConflictError } from '../../lib/errors.js';

export function controllerRoutes(deps: ApiDeps): FastifyPluginAsync {
  const tags = ['controllers'];
  const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };

  return async (app) => {
    app.get('/v1/controllers', { schema: { tags, summary: 'List controllers: state, ports and who serves their addresses, volumes owned', response: { 200: Type.Array(Controller), 404: ErrorBody } } },
      async () => clusterOf(deps).listControllers().map(presentController));

    app.get<{ Params: NameParams }>('/v1/controllers/:name', {
      schema: { tags, summary: 'Show one controller', params: NameParams, response: { 200: Controller, 404: ErrorBody } },
    }, async (req) => presentController(findController(clusterOf(deps), req.params.name)));

    app.patch<{ Params: NameParams; Body: PatchControllerBody }>('/v1/controllers/:name', {
      schema: { tags, params: NameParams, body: PatchControllerBody, response: { 200: Controller, ...errors },
        summary: "Set a controller's ipFailover mode (local, remote, both, none); its addresses are re-planned at once" },
    }, async (req) => {
      const cluster = clusterOf(deps);
      const name = findController(cluster, req.params.name).name;
      return presentController(await cluster.setIpFailover(name, checkIpFailover(req.body.ipFailover), actorOf(req)));
    });

    for (const verb of ['enable', 'disable'] as const) {
      app.post<{ Params: NameParams }>(`/v1/controllers/:name/${verb}`, {
        schema: { tags, params: NameParams, response: { 200: Controller, ...errors },
          summary: verb === 'enable' ? 'Bring a failed, fenced or disabled controller back (peer enable)' : 'Stop a controller; its peer takes over its volumes and addresses' },
      }, async (req) => {
        const cluster = clusterOf(deps);
        const name = findController(cluster, req.params.name).name;
        if (verb === 'enable') await cluster.enableController(name, actorOf(req));
        else await cluster.disableController(name, actorOf(req));
        return presentController(findController(cluster, name));
      });
    }

    app.post<{ Params: NameParams }>('/v1/controllers/:name/failback', {
      schema: { tags, params: NameParams, response: { 200: FailbackResult, ...errors },
        summary: 'Trespass every volume that prefers this controller back to it (manual failback)' },
    }, async (req) => {
      const cluster = clusterOf(deps);
      const c = findController(cluster, req.params.name);
      if (c.state === 'failed-over') {
        const down = c.ports.filter((p) => p.link === 'down').map((p) => p.name);
        throw new ConflictError(`controller ${c.name} is failed-over (port link down: ${down.join(', ')}): its ports cannot serve hosts. Its addresses come back when the links do (drill: ${down.map((p) => `tandem fault port-up ${p}`).join('; ')})`);
      }
      if (c.state !== 'online') {
        throw new ConflictError(`controller ${c.name} is ${c.state}: it cannot take its volumes back. Bring it back first: tandem controller enable ${c.name}`);
      }
      const moved: Array<{ volume: string; from: string; to: string }> = [];
      for (const v of deps.services.volumes.list()) {
        const o = cluster.volumeOwnership(v.name);
        if (o.preferredOwner !== c.name || o.currentOwner === c.name) continue;
        try {
          moved.push({ volume: v.name, ...(await cluster.trespass(v.name, c.name, actorOf(req))) });
        } catch (err) {
          const done = moved.length > 0 ? ` (already moved back: ${moved.map((m) => m.volume).join(', ')})` : '';
          throw new ConflictError(`failback to ${c.name} stopped at volume ${v.name}: ${(err as Error).message}${done}`);
        }
      }
      return { controller: c.name, moved };
    });

    app.get('/v1/cluster/policy', { schema: { tags, summary: 'The failover/failback policy', response: { 200: ClusterPolicy, 404: ErrorBody } } },
      async () => clusterOf(deps).policy());

    app.patch<{ Body: PatchPolicyBody }>('/v1/cluster/policy', {
      schema: { tags, summary: 'Change the failover/failback policy', body: PatchPolicyBody, response: { 200: ClusterPolicy, ...errors } },
    }, async (req) => {
      const cluster = clusterOf(deps);
      return cluster.setPolicy(checkPolicyPatch(cluster.policy(), req.body), actorOf(req));
    });
  };
}
