import { pino, type Logger } from 'pino';
export type { Logger };

/** The one place that constructs pino loggers; the daemon passes children down. */
export function createLogger(opts: { level?: string; name?: string; destination?: number | string } = {}): Logger {
  const level = opts.level ?? process.env.TANDEM_LOG_LEVEL ?? 'info';
  const dest = opts.destination ?? 2;
  return pino({ level, name: opts.name ?? 'tandem', base: { pid: process.pid } }, pino.destination({ dest: dest as never, sync: false }));
}

/** A logger that drops everything, for unit tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
