/**
 * `tandem-host up`: load the configuration, run the agent, print where it serves, and
 * stop cleanly (NBD requests in flight finish, sessions log out) on SIGINT / SIGTERM.
 */
import { TandemError } from '../../lib/errors.js';
import { CliError, exitCodeForHttpStatus } from '../../lib/exit-codes.js';
import { createLogger } from '../../lib/logger.js';
import { loadHostConfig } from '../config.js';
import { runHostAgent } from '../run-agent.js';
import type { HostCliIo } from './program.js';

export async function upCommand(configFile: string, dataDir: string | undefined, io: HostCliIo): Promise<void> {
  const cfg = await loadHostConfig(configFile);
  if (dataDir) cfg.dataDir = dataDir;
  const logger = createLogger({ name: 'tandem-host' });
  let run: Awaited<ReturnType<typeof runHostAgent>>;
  try {
    run = await runHostAgent(cfg, { logger });
  } catch (err) {
    // A second agent on a running one's data directory: exit 4 (conflict), as `tandem up` does.
    if (err instanceof TandemError && err.code !== 'VALIDATION') throw new CliError(exitCodeForHttpStatus(err.httpStatus), err.message);
    throw err;
  }
  const nbd = run.agent.nbd.tcpAddress;
  io.out(`tandem-host ready: control API ${run.apiUrl}; NBD ${[nbd ? `nbd://${nbd.host}:${nbd.port}/NAME` : '', cfg.nbd.unix ? `nbd+unix:///NAME?socket=${cfg.nbd.unix}` : ''].filter(Boolean).join(' and ')}`);
  for (const d of run.agent.list()) io.out(`  device ${d.name} (${d.wwid}) ${d.sizeBytes} bytes, ${d.paths.length} path(s); exports: ${d.exports.join(', ')}`);
  for (const e of run.firstScan.errors) io.err(`warning: ${e}`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  io.out('tandem-host: stopping');
  await run.stop();
}
