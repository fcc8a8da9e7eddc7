/**
 * `tandem up` in the foreground: load the configuration, start the array, print where
 * it serves, and stop cleanly on SIGINT/SIGTERM.
 *
 * Two controllers (A and B, separate processes under this supervisor) unless the
 * configuration says `controllers: 1` (`--controllers 1`): then the single-controller array.
 */
import { join } from 'node:path';
import { API_TOKEN_FILE } from '../lib/api-contract.js';
import { createLogger } from '../lib/logger.js';
import { startArray } from './array.js';
import type { RunningArray } from './array-start.js';
import { loadConfig, type ArrayConfig, type ConfigFlags } from '../config/config.js';
import { haConfigFrom, type HaConfig } from '../config/ha-config.js';
import type { Logger } from '../lib/logger.js';

/** The dual-controller array; the supervisor code loads only when it runs. */
async function startHa(config: ArrayConfig, ha: HaConfig, logger: Logger): Promise<RunningArray> {
  const { startHaArray } = await import('./ha-array.js');
  return startHaArray(config, ha, logger);
}

const hostPort = (host: string, port: number) => `${host.includes(':') ? `[${host}]` : host}:${port}`;

export async function runUp(flags: ConfigFlags): Promise<void> {
  const config = loadConfig(flags);
  // Built before anything starts, so that a bad layout fails with nothing to undo.
  const ha = config.controllers === 2 ? haConfigFrom(config) : undefined;
  const logger = createLogger({ level: process.env.TANDEM_LOG_LEVEL ?? config.logLevel });
  const array = ha ? await startHa(config, ha, logger) : await startArray(config, logger);
  const portName = new Map(ha?.controllers.flatMap((c) => c.ports.map((p) => [p.tpgt, `, port ${p.name} of controller ${c.name}`] as const)) ?? []);
  const lines = [
    `Tandem array ready`,
    `  target   ${array.iqn}`,
    ...(ha ? [`  controllers ${ha.controllers.map((c) => c.name).join(', ')} (ALUA target port groups ${ha.controllers.map((c) => c.index).join(', ')})`] : [`  controllers 1 (single-controller array)`]),
    ...array.portals.map((p) => `  portal   ${hostPort(p.host, p.port)} (tpgt ${p.tpgt}${portName.get(p.tpgt) ?? ''})`),
    `  api      ${array.apiUrl}  (token in ${join(config.dataDir, API_TOKEN_FILE)})`,
    `  data     ${config.dataDir}`,
    `Press Ctrl-C to stop.`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  await new Promise<void>((resolve) => {
    const onSignal = (sig: NodeJS.Signals) => {
      process.stdout.write(`\n${sig}: logging initiators out and stopping…\n`);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      array.stop(`${sig} received`).then(resolve, (err) => {
        logger.error({ err }, 'stop failed');
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  process.stdout.write('stopped\n');
  logger.flush();
}
