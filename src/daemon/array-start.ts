/**
 * What both kinds of array do the same way when they start: the data directory lock
 * first (before anything else of the directory is touched), the demo volume of a first
 * start, and the management API (listening, with the endpoint file local clients read).
 */
import { buildApp, type ApiDeps } from '../api/app.js';
import { writeApiEndpoint } from '../api/api-files.js';
import { DataDirLock, type LockHolder } from '../block/data-dir-lock.js';
import type { PortalConfig } from '../config/portal.js';
import type { Logger } from '../lib/logger.js';
import type { ControlServices } from '../management/index.js';
import type { ShutdownSteps } from './shutdown-steps.js';

/** `<dataDir>/tandem.lock`: flock(2)-held by the running array (docs/processes.md "Starting twice"). */
export const ARRAY_LOCK_FILE = 'tandem.lock';

/**
 * Takes the data directory lock or throws DataDirInUseError (HTTP 409 ⇒ `tandem up` exits
 * 4) naming the running array's pid; released last on stop. Call it before anything
 * else reads or writes the directory.
 */
export async function lockDataDir(dataDir: string, what: string, shutdown: ShutdownSteps, logger: Logger): Promise<DataDirLock> {
  const lock = await DataDirLock.acquire({ dir: dataDir, file: ARRAY_LOCK_FILE, what, hint: 'start this one with another --data-dir' });
  shutdown.add(() => lock.release());
  if (lock.previous) {
    logger.warn({ previous: lock.previous }, `data directory ${dataDir}: ${uncleanStop(lock.previous)}; taking it over`);
  }
  return lock;
}

/** "the previous array (tandem up …, pid N, running since …) did not stop cleanly" */
export function uncleanStop(previous: LockHolder): string {
  return `the previous array (${previous.what}, pid ${previous.pid}, running since ${previous.since}) did not stop cleanly`;
}

export const DEMO_VOLUME = { name: 'demo', sizeBytes: 1024 * 1024 * 1024 } as const;

export interface RunningArray {
  iqn: string;
  portals: Array<{ host: string; port: number; tpgt: number }>;
  apiUrl: string;
  services: ControlServices;
  stop(reason?: string): Promise<void>;
}

/** First start of an empty array: volume 'demo' (1 GiB) at LUN 0 of every loopback initiator. */
export async function ensureDemoVolume(services: ControlServices, firstStart: boolean): Promise<void> {
  if (!firstStart || services.store.volumes.list().length > 0) return;
  await services.volumes.create({ name: DEMO_VOLUME.name, sizeBytes: DEMO_VOLUME.sizeBytes }, 'tandem-up');
  services.mappings.create({ volume: DEMO_VOLUME.name, allLoopback: true, lun: 0 }, 'tandem-up');
}

/** Starts the management API on `listen`, closed by `shutdown`; writes `<dataDir>/api.json`. Resolves to its URL. */
export async function serveApi(deps: ApiDeps, listen: PortalConfig, dataDir: string, shutdown: ShutdownSteps): Promise<string> {
  const app = buildApp(deps);
  await app.listen({ host: listen.host, port: listen.port });
  shutdown.add(() => app.close());
  const addr = app.server.address();
  const apiPort = typeof addr === 'object' && addr ? addr.port : listen.port;
  const apiUrl = `http://${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${apiPort}`;
  await writeApiEndpoint(dataDir, apiUrl);
  return apiUrl;
}
