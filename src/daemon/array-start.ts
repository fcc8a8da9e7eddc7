/**
 * What both kinds of array do the same way when they start: the demo volume of a first
 * start, and the management API (listening, with the endpoint file local clients read).
 */
import { buildApp, type ApiDeps } from '../api/app.js';
import { writeApiEndpoint } from '../api/api-files.js';
import type { PortalConfig } from '../config/portal.js';
import type { ControlServices } from '../management/index.js';
import type { ShutdownSteps } from './shutdown-steps.js';

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
