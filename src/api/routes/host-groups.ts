/** /v1/host-groups */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ApiDeps } from '../deps.js';
import { actorOf } from '../deps.js';
import { CreateHostGroupBody, ErrorBody, ForceQuery, HostGroup, MemberBody, MemberParams, NameParams, RenameBody } from '../schemas.js';
import { presentHostGroup } from '../present.js';

export function hostGroupRoutes(deps: ApiDeps): FastifyPluginAsync {
  const { hostGroups } = deps.services;
  const tags = ['host-groups'];
  const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };

  return async (app) => {
    app.get('/v1/host-groups', { schema: { tags, summary: 'List host groups', response: { 200: Type.Array(HostGroup) } } },
      async () => hostGroups.list().map(presentHostGroup));

    app.post<{ Body: CreateHostGroupBody }>('/v1/host-groups', {
      schema: { tags, summary: 'Create a host group', body: CreateHostGroupBody, response: { 201: HostGroup, ...errors } },
    }, async (req, reply) => reply.code(201).send(presentHostGroup(hostGroups.create(req.body, actorOf(req)))));

    app.get<{ Params: NameParams }>('/v1/host-groups/:name', {
      schema: { tags, summary: 'Show a host group', params: NameParams, response: { 200: HostGroup, 404: ErrorBody } },
    }, async (req) => presentHostGroup(hostGroups.get(req.params.name)));

    app.patch<{ Params: NameParams; Body: RenameBody }>('/v1/host-groups/:name', {
      schema: { tags, summary: 'Rename a host group', params: NameParams, body: RenameBody, response: { 200: HostGroup, ...errors } },
    }, async (req) => presentHostGroup(hostGroups.rename(req.params.name, req.body.name, actorOf(req))));

    app.delete<{ Params: NameParams; Querystring: ForceQuery }>('/v1/host-groups/:name', {
      schema: { tags, summary: 'Delete a host group (force=true removes its mappings)', params: NameParams, querystring: ForceQuery, response: errors },
    }, async (req, reply) => {
      hostGroups.delete(req.params.name, { force: req.query.force ?? false }, actorOf(req));
      return reply.code(204).send();
    });

    app.post<{ Params: NameParams; Body: MemberBody }>('/v1/host-groups/:name/members', {
      schema: { tags, summary: 'Add a host to the group', params: NameParams, body: MemberBody, response: { 200: HostGroup, ...errors } },
    }, async (req) => presentHostGroup(hostGroups.addMember(req.params.name, req.body.host, actorOf(req))));

    app.delete<{ Params: MemberParams }>('/v1/host-groups/:name/members/:host', {
      schema: { tags, summary: 'Remove a host from the group', params: MemberParams, response: { 200: HostGroup, ...errors } },
    }, async (req) => presentHostGroup(hostGroups.removeMember(req.params.name, req.params.host, actorOf(req))));
  };
}
