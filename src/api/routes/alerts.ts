/** /v1/alerts: conditions that need an operator (open until cleared). */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ApiDeps } from '../deps.js';
import { actorOf } from '../deps.js';
import { Alert, AlertQuery, ErrorBody, IdParams } from '../schemas.js';
import { presentAlert } from '../present.js';

export function alertRoutes(deps: ApiDeps): FastifyPluginAsync {
  const { alerts } = deps.services;
  const tags = ['alerts'];
  return async (app) => {
    app.get<{ Querystring: AlertQuery }>('/v1/alerts', {
      schema: { tags, summary: 'Alerts, newest first (open=true: only those still open)', querystring: AlertQuery, response: { 200: Type.Array(Alert), 400: ErrorBody } },
    }, async (req) => alerts.list({ open: req.query.open ?? false }).map(presentAlert));

    app.post<{ Params: IdParams }>('/v1/alerts/:id/clear', {
      schema: { tags, summary: 'Clear (acknowledge) an alert', params: IdParams, response: { 200: Alert, 400: ErrorBody, 404: ErrorBody } },
    }, async (req) => presentAlert(alerts.clearById(req.params.id, actorOf(req))));
  };
}
