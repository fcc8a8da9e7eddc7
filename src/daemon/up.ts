/**
 * `tandem up` in the foreground: load the configuration, start the array, print where
 * it serves, and stop cleanly on SIGINT/SIGTERM.
 */
import { createLogger } from '../lib/logger.js';
import { startArray } from './array.js';
import { loadConfig, type ConfigFlags } from './config.js';

export async function runUp(flags: ConfigFlags): Promise<void> {
  const config = loadConfig(flags);
  const logger = createLogger({ level: process.env.TANDEM_LOG_LEVEL ?? config.logLevel });
  const array = await startArray(config, logger);
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
