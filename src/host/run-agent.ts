/**
 * Composition root of the host agent process (`tandem-host up`): the real initiator
 * and multipath, the NBD server, and the local control API with its token and
 * endpoint files in the data directory. Also used in-process by the soak test.
 *
 * Order (docs/host-side.md "Starting twice"): the data directory lock first, so a second
 * agent on the same data directory refuses before it touches anything of the running
 * one; then the control API and the NBD listeners; `<dataDir>/api.json` is written only
 * once both listen, so a start that fails on a taken port leaves the file as it was.
 */
import type { FastifyInstance } from 'fastify';
import { ensureApiToken, writeApiEndpoint } from '../api/api-files.js';
import { DataDirLock } from '../block/data-dir-lock.js';
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

/** `<dataDir>/tandem-host.lock`: flock(2)-held by the running agent. */
export const AGENT_LOCK_FILE = 'tandem-host.lock';

export async function runHostAgent(cfg: HostConfig, opts: { logger: Logger; deps?: HostAgentDeps; retryIntervalMs?: number }): Promise<RunningHostAgent> {
  const lock = await DataDirLock.acquire({
    dir: cfg.dataDir, file: AGENT_LOCK_FILE, what: 'tandem-host up', hint: 'give this one another dataDir (--data-dir or the configuration\'s "dataDir")',
  });
  if (lock.previous) opts.logger.warn({ previous: lock.previous }, `data directory ${cfg.dataDir}: the previous agent (pid ${lock.previous.pid}) did not stop cleanly; taking it over`);
  const agent = new HostAgent(cfg, opts.deps ?? realDeps(opts.logger), opts.retryIntervalMs);
  let app: FastifyInstance | undefined;
  let apiUrl: string;
  let token: string;
  try {
    token = await ensureApiToken(cfg.dataDir);
    app = buildHostApi({ agent, token, logger: opts.logger.child({ part: 'api' }) });
    const { host, port } = parseHostPort(cfg.api);
    await app.listen({ host, port });
    const addr = app.server.address() as { address: string; port: number };
    apiUrl = `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`;
    await agent.listen();
    await writeApiEndpoint(cfg.dataDir, apiUrl);
    lock.note({ api: apiUrl });
  } catch (err) {
    await app?.close();
    await agent.stop();
    lock.release();
    throw err;
  }
  const api = app;
  let firstScan: RescanResult;
  try {
    firstScan = await agent.rescan();
  } catch (err) {
    await api.close();
    await agent.stop();
    lock.release();
    throw err;
  }
  return {
    agent, apiUrl, token, firstScan,
    async stop() {
      await api.close();
      await agent.stop();
      lock.release();
    },
  };
}
