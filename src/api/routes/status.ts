/** /v1/health, /v1/target, /v1/sessions, /v1/events: read-only status. */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ApiDeps } from '../deps.js';
import { ErrorBody, Event, EventQuery, Health, Session, Target } from '../schemas.js';
import { presentEvent } from '../present.js';

export function statusRoutes(deps: ApiDeps): FastifyPluginAsync {
  const { services, dataPlane } = deps;
  return async (app) => {
    app.get('/v1/health', { schema: { tags: ['status'], summary: 'Liveness (no token needed)', security: [], response: { 200: Health } } },
      async () => ({ status: 'ok' as const, arrayId: services.store.identity.arrayId }));

    app.get('/v1/target', { schema: { tags: ['status'], summary: 'The iSCSI target name and portals', response: { 200: Target } } },
      async () => ({ ...dataPlane.targetInfo(), arrayId: services.store.identity.arrayId }));

    app.get('/v1/sessions', { schema: { tags: ['status'], summary: 'Logged-in iSCSI sessions', response: { 200: Type.Array(Session) } } },
      async () => dataPlane.listSessions());

    app.get<{ Querystring: EventQuery }>('/v1/events', {
      schema: { tags: ['events'], summary: 'Event log, newest first', querystring: EventQuery, response: { 200: Type.Array(Event), 400: ErrorBody } },
    }, async (req) => services.events.query(req.query).map(presentEvent));
  };
}
