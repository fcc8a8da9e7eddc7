/** Bearer-token authentication for every route except the health check and the OpenAPI document. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { UnauthorizedError } from '../lib/errors.js';

export const PUBLIC_ROUTES: ReadonlySet<string> = new Set(['GET /v1/health', 'GET /openapi.json', 'HEAD /v1/health']);

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

export function installAuth(app: FastifyInstance, token: string): void {
  const want = digest(token);
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0];
    if (PUBLIC_ROUTES.has(`${request.method} ${path}`)) return;
    const h = request.headers.authorization;
    const m = typeof h === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
    if (!m || !timingSafeEqual(digest(m[1]!), want)) throw new UnauthorizedError();
  });
}
