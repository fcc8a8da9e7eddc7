/**
 * The management API: `buildApp(deps)` returns a ready-to-listen Fastify instance
 * (the daemon calls listen). Bearer token on everything but /v1/health and
 * /openapi.json; every error is `{ error: { code, message, field? } }`.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { ApiDeps } from './deps.js';
import { installAuth } from './auth.js';
import { installErrorHandlers } from './error-handler.js';
import { volumeRoutes } from './routes/volumes.js';
import { hostRoutes } from './routes/hosts.js';
import { hostGroupRoutes } from './routes/host-groups.js';
import { mappingRoutes } from './routes/mappings.js';
import { statusRoutes } from './routes/status.js';
import { controllerRoutes } from './routes/controllers.js';
import { faultRoutes } from './routes/faults.js';
import { alertRoutes } from './routes/alerts.js';

export type { ApiDeps } from './deps.js';

export function buildApp(deps: ApiDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger,
    logController: new LogController({ disableRequestLogging: true }),
    // Reject unknown fields instead of silently dropping them.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  }) as unknown as FastifyInstance;

  installErrorHandlers(app);
  installAuth(app, deps.token);

  void app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Tandem management API', version: '1', description: 'Volumes, hosts, host groups, mappings, sessions, events, alerts and (dual-controller arrays) controllers, ownership, faults and policy of a Tandem iSCSI array.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'the token in <data-dir>/api-token' } } },
      security: [{ bearer: [] }],
    },
  });
  void app.register(statusRoutes(deps));
  void app.register(volumeRoutes(deps));
  void app.register(hostRoutes(deps));
  void app.register(hostGroupRoutes(deps));
  void app.register(mappingRoutes(deps));
  void app.register(controllerRoutes(deps));
  void app.register(faultRoutes(deps));
  void app.register(alertRoutes(deps));
  void app.register(async (scope) => {
    scope.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  });
  return app;
}
