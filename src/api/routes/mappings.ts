/** /v1/mappings */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ApiDeps } from '../deps.js';
import { actorOf } from '../deps.js';
import { CreateMappingBody, ErrorBody, IdParams, Mapping, MappingListQuery } from '../schemas.js';
import { presentMapping } from '../present.js';

export function mappingRoutes(deps: ApiDeps): FastifyPluginAsync {
  const { mappings } = deps.services;
  const tags = ['mappings'];
  const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };

  return async (app) => {
    app.get<{ Querystring: MappingListQuery }>('/v1/mappings', {
      schema: { tags, summary: 'List mappings', querystring: MappingListQuery, response: { 200: Type.Array(Mapping), 404: ErrorBody } },
    }, async (req) => mappings.list({ volume: req.query.volume }).map(presentMapping));

    app.post<{ Body: CreateMappingBody }>('/v1/mappings', {
      schema: { tags, summary: 'Map a volume to a host, a host group or all loopback initiators', body: CreateMappingBody, response: { 201: Mapping, ...errors } },
    }, async (req, reply) => reply.code(201).send(presentMapping(mappings.create(req.body, actorOf(req)))));

    app.delete<{ Params: IdParams }>('/v1/mappings/:id', {
      schema: { tags, summary: 'Remove a mapping', params: IdParams, response: errors },
    }, async (req, reply) => {
      mappings.delete(req.params.id, actorOf(req));
      return reply.code(204).send();
    });
  };
}
