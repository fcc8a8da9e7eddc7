/**
 * What both kinds of array do the same way when they start: the data directory lock
 * first (before anything else of the directory is touched), the power on of the logical
 * units, the demo volume of a first start, and the management API (listening, with the
 * endpoint file local clients read).
 */
import { buildApp, type ApiDeps } from '../api/app.js';
import { writeApiEndpoint } from '../api/api-files.js';
import { DataDirLock, type LockHolder } from '../block/data-dir-lock.js';
import type { PortalConfig } from '../config/portal.js';
import { powerOnLuState } from '../datapath/lu-state-store.js';
import type { Logger } from '../lib/logger.js';
import type { ControlServices } from '../management/index.js';
import type { Store } from '../store/index.js';
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

/**
 * `tandem up` is the power on of the whole array (no controller ran before it): every
 * logical unit's state becomes what SPC-4 leaves after a loss of power — registrations
 * and reservations only where APTPL was set (SPC-4 §5.9.4), no SPC-2 reservation,
 * default mode values, no unit attention kept (docs/ha.md «LU state belongs to the
 * array»). Run before any controller opens a volume. `record` gets the event-log line
 * when reservations were kept or released.
 */
export function powerOnLogicalUnits(store: Store, record: (short: string, long: string) => void): void {
  const r = powerOnLuState(store, Date.now());
  if (r.kept.length === 0 && r.released.length === 0) return;
  const names = (ids: string[]) => ids.map((id) => store.volumes.byId(id)?.name ?? id).join(', ');
  const parts = [
    ...(r.kept.length > 0 ? [`kept (APTPL) on ${names(r.kept)}`] : []),
    ...(r.released.length > 0 ? [`released (no APTPL) on ${names(r.released)}`] : []),
  ];
  record(`array power on: persistent reservations ${parts.join('; ')}`,
    'a start of the whole array is a power on of its logical units: SPC-4 keeps registrations and reservations through it only when the host set APTPL; SPC-2 reservations and mode parameter changes do not survive it');
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
