/**
 * The host agent's local control API (fastify, listens on 127.0.0.1 only): what
 * `tandem-host paths | rescan | path remove` talk to. Bearer token from
 * <dataDir>/api-token, endpoint in <dataDir>/api.json (same files and auth as the
 * array's API: src/api/api-files.ts, src/api/auth.ts). Errors: { error: { code, message } }.
 *
 *   GET    /v1/health                 (no token)
 *   GET    /v1/devices                → DeviceView[]  (pseudo name, identity, policy, queued, paths)
 *   POST   /v1/rescan                 → RescanResult
 *   DELETE /v1/paths/:id?force=true   → 204; 404 unknown path; 409 last path / path in use
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from '../../lib/logger.js';
import { installAuth } from '../../api/auth.js';
import { installErrorHandlers } from '../../api/error-handler.js';
import type { DeviceView, RescanResult } from '../agent.js';

/** The agent as the API sees it (HostAgent implements it). */
export interface HostAgentControl {
  list(): DeviceView[];
  rescan(): Promise<RescanResult>;
  removePath(id: string, force: boolean): Promise<void>;
}

export function buildHostApi(opts: { agent: HostAgentControl; token: string; logger: Logger }): FastifyInstance {
  const app = Fastify({ loggerInstance: opts.logger, logController: new LogController({ disableRequestLogging: true }) }) as unknown as FastifyInstance;
  installErrorHandlers(app);
  installAuth(app, opts.token);
  app.get('/v1/health', async () => ({ status: 'ok' }));
  app.get('/v1/devices', async () => opts.agent.list());
  app.post('/v1/rescan', async () => opts.agent.rescan());
  app.delete<{ Params: { id: string }; Querystring: { force?: string } }>(
    '/v1/paths/:id',
    {
      schema: {
        params: { type: 'object', properties: { id: { type: 'string', minLength: 1 } }, required: ['id'] },
        querystring: { type: 'object', properties: { force: { type: 'string', enum: ['true', 'false', '1', '0', ''] } }, additionalProperties: false },
      },
    },
    async (req, reply) => {
      const f = req.query.force;
      await opts.agent.removePath(req.params.id, f === 'true' || f === '1' || f === '');
      return reply.code(204).send();
    },
  );
  return app;
}
