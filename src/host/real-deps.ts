/**
 * Binds the agent's narrow dependency interfaces (deps.ts) to the real initiator
 * (src/iscsi/initiator) and multipath (src/multipath) modules.
 */
import { InitiatorSession, discover, scsi } from '../iscsi/initiator/index.js';
import type { Logger } from '../lib/logger.js';
import { MultipathDevice, groupPathsByIdentity } from '../multipath/index.js';
import type { HostAgentDeps, InitiatorApi, MultipathApi, SessionLike } from './deps.js';

export const realInitiator: InitiatorApi = {
  discover: (host, port, opts) => discover(host, port, opts),
  createSession: (p) => new InitiatorSession({
    host: p.host,
    port: p.port,
    targetName: p.targetName,
    initiatorName: p.initiatorName,
    ...(p.chap ? { chap: p.chap } : {}),
    commandTimeout: p.commandTimeout,
    logger: p.logger,
  }),
  reportLuns: (s: SessionLike) => scsi.reportLuns(s as InitiatorSession),
};

export const realMultipath: MultipathApi = {
  async group(paths) {
    const { groups, failed } = await groupPathsByIdentity(paths);
    return { groups: groups.map((g) => ({ key: g.key, paths: g.paths })), failed: failed.map((f) => ({ path: f.path, reason: f.error.message })) };
  },
  create: (paths, o) => MultipathDevice.create(paths, {
    name: o.name, selector: o.selector, checkerIntervalMs: o.checkerIntervalMs, noPathRetryMs: o.noPathRetryMs,
    explicitFailover: o.explicitFailover, logger: o.logger,
  }),
};

export function realDeps(logger: Logger): HostAgentDeps {
  return { initiator: realInitiator, multipath: realMultipath, logger };
}
