/**
 * Composition root of the host agent process (`tandem-host up`): the real initiator
 * and multipath, the NBD server, and the local control API with its token and
 * endpoint files in the data directory. Also used in-process by the soak test.
 */
import type { FastifyInstance } from 'fastify';
import { ensureApiToken, writeApiEndpoint } from '../api/api-files.js';
import type { Logger } from '../lib/logger.js';
import { HostAgent, type RescanResult } from './agent.js';
import { buildHostApi } from './api/app.js';
import type { HostConfig } from './config.js';
import type { HostAgentDeps } from './deps.js';
import { parseHostPort } from './nbd/server.js';
import { realDeps } from './real-deps.js';

export interface RunningHostAgent {
  agent: HostAgent;
  apiUrl: string;
  token: string;
  firstScan: RescanResult;
  stop(): Promise<void>;
}

export async function runHostAgent(cfg: HostConfig, opts: { logger: Logger; deps?: HostAgentDeps; retryIntervalMs?: number }): Promise<RunningHostAgent> {
  const agent = new HostAgent(cfg, opts.deps ?? realDeps(opts.logger), opts.retryIntervalMs);
  const token = await ensureApiToken(cfg.dataDir);
  const app: FastifyInstance = buildHostApi({ agent, token, logger: opts.logger.child({ part: 'api' }) });
  const { host, port } = parseHostPort(cfg.api);
  await app.listen({ host, port });
  const addr = app.server.address() as { address: string; port: number };
  const apiUrl = `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`;
  await writeApiEndpoint(cfg.dataDir, apiUrl);
  let firstScan: RescanResult;
  try {
    firstScan = await agent.start();
  } catch (err) {
    await app.close();
    await agent.stop();
    throw err;
  }
  return {
    agent, apiUrl, token, firstScan,
    async stop() {
      await app.close();
      await agent.stop();
    },
  };
}
