/**
 * `tandem up` in the foreground: load the configuration, start the array, print where
 * it serves, and stop cleanly on SIGINT/SIGTERM.
 */
import { createLogger } from '../lib/logger.js';
import { startArray } from './array.js';
import { loadConfig, type ArrayConfig, type ConfigFlags } from './config.js';
import type { Logger } from '../lib/logger.js';

/** Dual-controller array (opt-in: `--controllers 2`); named portals `A0=HOST:PORT`. */
async function startHa(config: ArrayConfig, flags: ConfigFlags, logger: Logger) {
  const { defaultHaConfig, applyNamedPortals } = await import('./ha-config.js');
  const { startHaArray } = await import('./supervisor.js');
  const ha = defaultHaConfig(flags.controllers);
  applyNamedPortals(ha, flags.portal ?? []);
  return startHaArray(config, ha, logger);
}

export async function runUp(flags: ConfigFlags): Promise<void> {
  const config = loadConfig(flags);
  const logger = createLogger({ level: process.env.TANDEM_LOG_LEVEL ?? config.logLevel });
  const array = (flags.controllers ?? 1) >= 2 ? await startHa(config, flags, logger) : await startArray(config, logger);
  const lines = [
    `Tandem array ready`,
    `  target   ${array.iqn}`,
    ...array.portals.map((p) => `  portal   ${p.host.includes(':') ? `[${p.host}]` : p.host}:${p.port} (tpgt ${p.tpgt})`),
    `  api      ${array.apiUrl}  (token in ${config.dataDir}/api-token)`,
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
