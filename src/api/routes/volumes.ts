/** /v1/volumes */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ApiDeps } from '../deps.js';
import { actorOf } from '../deps.js';
import { CreateVolumeBody, ErrorBody, ForceQuery, NameParams, PatchVolumeBody, Volume } from '../schemas.js';
import { presentVolume } from '../present.js';
import type { VolumeRecord } from '../../store/records.js';

export function volumeRoutes(deps: ApiDeps): FastifyPluginAsync {
  const { volumes, mappings } = deps.services;
  const present = async (v: VolumeRecord) =>
    presentVolume(v, await volumes.allocatedBytes(v), mappings.list({ volume: v.name }));
  const tags = ['volumes'];
  const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };

  return async (app) => {
    app.get('/v1/volumes', { schema: { tags, summary: 'List volumes', response: { 200: Type.Array(Volume) } } },
      async () => Promise.all(volumes.list().map(present)));

    app.post<{ Body: CreateVolumeBody }>('/v1/volumes', {
      schema: { tags, summary: 'Create a volume', body: CreateVolumeBody, response: { 201: Volume, ...errors } },
    }, async (req, reply) => {
      const v = await volumes.create(req.body, actorOf(req));
      return reply.code(201).send(await present(v));
    });

    app.get<{ Params: NameParams }>('/v1/volumes/:name', {
      schema: { tags, summary: 'Show one volume', params: NameParams, response: { 200: Volume, 404: ErrorBody } },
    }, async (req) => present(volumes.get(req.params.name)));

    app.patch<{ Params: NameParams; Body: PatchVolumeBody }>('/v1/volumes/:name', {
      schema: { tags, summary: 'Resize and/or (un)protect a volume', params: NameParams, body: PatchVolumeBody, response: { 200: Volume, ...errors } },
    }, async (req) => present(await volumes.update(req.params.name, req.body, actorOf(req))));

    app.delete<{ Params: NameParams; Querystring: ForceQuery }>('/v1/volumes/:name', {
      schema: { tags, summary: 'Delete a volume (force=true unmaps it first)', params: NameParams, querystring: ForceQuery, response: { ...errors } },
    }, async (req, reply) => {
      await volumes.delete(req.params.name, { force: req.query.force ?? false }, actorOf(req));
      return reply.code(204).send();
    });
  };
}
