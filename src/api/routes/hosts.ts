/** /v1/hosts: hosts, their initiators and CHAP credentials. */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ApiDeps } from '../deps.js';
import { actorOf } from '../deps.js';
import { ChapBody, CreateHostBody, ErrorBody, ForceQuery, Host, InitiatorBody, InitiatorParams, NameParams, PatchHostBody } from '../schemas.js';
import { presentHost } from '../present.js';
import type { HostRecord } from '../../store/records.js';

export function hostRoutes(deps: ApiDeps): FastifyPluginAsync {
  const { hosts, hostGroups } = deps.services;
  const present = (h: HostRecord) => presentHost(h, hostGroups.list());
  const tags = ['hosts'];
  const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };

  return async (app) => {
    app.get('/v1/hosts', { schema: { tags, summary: 'List hosts', response: { 200: Type.Array(Host) } } },
      async () => { const gs = hostGroups.list(); return hosts.list().map((h) => presentHost(h, gs)); });

    app.post<{ Body: CreateHostBody }>('/v1/hosts', {
      schema: { tags, summary: 'Create a host', body: CreateHostBody, response: { 201: Host, ...errors } },
    }, async (req, reply) => reply.code(201).send(present(hosts.create(req.body, actorOf(req)))));

    app.get<{ Params: NameParams }>('/v1/hosts/:name', {
      schema: { tags, summary: 'Show a host', params: NameParams, response: { 200: Host, 404: ErrorBody } },
    }, async (req) => present(hosts.get(req.params.name)));

    app.patch<{ Params: NameParams; Body: PatchHostBody }>('/v1/hosts/:name', {
      schema: { tags, summary: 'Rename a host and/or set its failover mode (0..4, null = array default)', params: NameParams, body: PatchHostBody, response: { 200: Host, ...errors } },
    }, async (req) => present(hosts.update(req.params.name, req.body, actorOf(req))));

    app.delete<{ Params: NameParams; Querystring: ForceQuery }>('/v1/hosts/:name', {
      schema: { tags, summary: 'Delete a host (force=true removes its mappings)', params: NameParams, querystring: ForceQuery, response: errors },
    }, async (req, reply) => {
      hosts.delete(req.params.name, { force: req.query.force ?? false }, actorOf(req));
      return reply.code(204).send();
    });

    app.post<{ Params: NameParams; Body: InitiatorBody }>('/v1/hosts/:name/initiators', {
      schema: { tags, summary: 'Add an initiator name to a host', params: NameParams, body: InitiatorBody, response: { 200: Host, ...errors } },
    }, async (req) => present(hosts.addInitiator(req.params.name, req.body.initiator, actorOf(req))));

    app.delete<{ Params: InitiatorParams }>('/v1/hosts/:name/initiators/:initiator', {
      schema: { tags, summary: 'Remove an initiator name from a host', params: InitiatorParams, response: { 200: Host, ...errors } },
    }, async (req) => present(hosts.removeInitiator(req.params.name, req.params.initiator, actorOf(req))));

    app.put<{ Params: NameParams; Body: ChapBody }>('/v1/hosts/:name/chap', {
      schema: { tags, summary: 'Set CHAP (and optionally mutual CHAP) credentials', params: NameParams, body: ChapBody, response: { 200: Host, ...errors } },
    }, async (req) => present(hosts.setChap(req.params.name, req.body, actorOf(req))));

    app.delete<{ Params: NameParams }>('/v1/hosts/:name/chap', {
      schema: { tags, summary: 'Remove CHAP credentials', params: NameParams, response: { 200: Host, ...errors } },
    }, async (req) => present(hosts.clearChap(req.params.name, actorOf(req))));
  };
}
