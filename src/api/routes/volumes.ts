/** /v1/volumes (with ownership and trespass on a dual-controller array) */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ApiDeps } from '../deps.js';
import { actorOf, clusterOf } from '../deps.js';
import { CreateVolumeBody, ErrorBody, ForceQuery, MoveBody, NameParams, PatchVolumeBody, TrespassBody, TrespassResult, Volume } from '../schemas.js';
import { presentVolume } from '../present.js';
import type { VolumeRecord } from '../../store/records.js';
import { findController, type OwnershipView } from '../../cluster/index.js';

export function volumeRoutes(deps: ApiDeps): FastifyPluginAsync {
  const { volumes, mappings } = deps.services;
  const ownership = (v: VolumeRecord): OwnershipView | undefined => {
    if (!deps.cluster) return undefined;
    try {
      return deps.cluster.volumeOwnership(v.name);
    } catch {
      return undefined; // the runtime has not picked the volume up yet: show it without owners
    }
  };
  const present = async (v: VolumeRecord) =>
    presentVolume(v, await volumes.allocatedBytes(v), mappings.list({ volume: v.name }), ownership(v));
  const tags = ['volumes'];
  const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };

  return async (app) => {
    app.get('/v1/volumes', { schema: { tags, summary: 'List volumes', response: { 200: Type.Array(Volume) } } },
      async () => Promise.all(volumes.list().map(present)));

    app.post<{ Body: CreateVolumeBody }>('/v1/volumes', {
      schema: { tags, summary: 'Create a volume', body: CreateVolumeBody, response: { 201: Volume, ...errors } },
    }, async (req, reply) => {
      const { owner, ...input } = req.body;
      // Check the owner before anything is created (unknown: 404); the data plane refuses
      // one that cannot serve (409, nothing created) and picks a live one when it is omitted.
      const cluster = owner !== undefined ? clusterOf(deps) : undefined;
      if (cluster && owner !== undefined) findController(cluster, owner);
      const v = await volumes.create({ ...input, ...(owner !== undefined ? { owner } : {}) }, actorOf(req));
      // A data plane that does not place volumes itself (none does on a real array) gets the owner by a move.
      if (cluster && owner !== undefined && ownership(v)?.preferredOwner !== owner) await cluster.moveVolume(v.name, owner, actorOf(req));
      return reply.code(201).send(await present(v));
    });

    app.get<{ Params: NameParams }>('/v1/volumes/:name', {
      schema: { tags, summary: 'Show one volume', params: NameParams, response: { 200: Volume, 404: ErrorBody } },
    }, async (req) => present(volumes.get(req.params.name)));

    app.patch<{ Params: NameParams; Body: PatchVolumeBody }>('/v1/volumes/:name', {
      schema: { tags, summary: 'Resize, (un)protect a volume and/or set its auto-trespass flag', params: NameParams, body: PatchVolumeBody, response: { 200: Volume, ...errors } },
    }, async (req) => {
      const { autoTrespass, ...rest } = req.body;
      const cluster = autoTrespass !== undefined ? clusterOf(deps) : undefined;
      let v = volumes.get(req.params.name);
      if (Object.keys(rest).length > 0) v = await volumes.update(req.params.name, rest, actorOf(req));
      if (cluster && autoTrespass !== undefined) await cluster.setAutoTrespass(v.name, autoTrespass, actorOf(req));
      return present(v);
    });

    app.delete<{ Params: NameParams; Querystring: ForceQuery }>('/v1/volumes/:name', {
      schema: { tags, summary: 'Delete a volume (force=true unmaps it first)', params: NameParams, querystring: ForceQuery, response: { ...errors } },
    }, async (req, reply) => {
      await volumes.delete(req.params.name, { force: req.query.force ?? false }, actorOf(req));
      return reply.code(204).send();
    });

    app.post<{ Params: NameParams; Body: TrespassBody }>('/v1/volumes/:name/trespass', {
      schema: { tags, summary: 'Change the current owner (explicit failover); to omitted = the other controller', params: NameParams, body: TrespassBody,
        response: { 200: TrespassResult, ...errors } },
      // The body is optional: a bare POST trespasses to the other controller.
      preValidation: async (req) => { if (req.body === undefined || req.body === null) req.body = {}; },
    }, async (req) => {
      const cluster = clusterOf(deps);
      const v = volumes.get(req.params.name);
      if (req.body.to !== undefined) findController(cluster, req.body.to);
      const r = await cluster.trespass(v.name, req.body.to, actorOf(req));
      return { volume: v.name, from: r.from, to: r.to };
    });

    app.post<{ Params: NameParams; Body: MoveBody }>('/v1/volumes/:name/move', {
      schema: { tags, summary: 'Change the preferred owner (the volume moves there)', params: NameParams, body: MoveBody, response: { 200: Volume, ...errors } },
    }, async (req) => {
      const cluster = clusterOf(deps);
      const v = volumes.get(req.params.name);
      findController(cluster, req.body.to);
      await cluster.moveVolume(v.name, req.body.to, actorOf(req));
      return present(v);
    });
  };
}
