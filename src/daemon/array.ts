/**
 * The composition root of the single-controller array (`tandem up --controllers 1`):
 * one process with the store, the control services, the data path (the same builder a
 * controller of a dual-controller array uses, without its HA parts) and the management
 * API. Data-path events are recorded in the event log directly.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureApiToken } from '../api/api-files.js';
import type { ArrayConfig } from '../config/config.js';
import { refuseUnprotectedPortals } from '../config/portal-protection.js';
import type { ServedPortal } from '../datapath/access-plane.js';
import { ConflictError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { AccessResolver } from '../management/access.js';
import { createControlServices } from '../management/index.js';
import { STATE_DB_FILE, Store } from '../store/index.js';
import { ensureDemoVolume, lockDataDir, powerOnLogicalUnits, serveApi, uncleanStop, type RunningArray } from './array-start.js';
import { buildDataPath } from './data-path.js';
import { ShutdownSteps } from './shutdown-steps.js';

export async function startArray(config: ArrayConfig, logger: Logger): Promise<RunningArray> {
  const shutdown = new ShutdownSteps(logger);
  const stopAll = () => shutdown.runAll();
  // Before anything of the data directory is touched: a second start refuses here.
  const lock = await lockDataDir(config.dataDir, 'tandem up (single controller)', shutdown, logger);
  try {
    const firstStart = !existsSync(join(config.dataDir, STATE_DB_FILE));
    // exclusive as well: an array that does not take the lock (an older one) still keeps us out.
    const store = openStoreExclusive(config.dataDir);
    shutdown.add(() => store.close());
    const token = await ensureApiToken(config.dataDir);
    const iqn = store.identity.targetIqn;
    // Each portal is its own SCSI target port (own TPGT and relative port id); a single
    // controller is one ALUA target port group.
    const portals: ServedPortal[] = config.portals.map((p, i) => ({ ...p, tpgt: i + 1, relativeTargetPortId: i + 1, targetPortGroupId: 1 }));
    const dp = buildDataPath({
      store, access: new AccessResolver(store), iqn, ports: portals, listen: portals,
      nopIntervalMs: config.nopIntervalMs, nopTimeoutMs: config.nopTimeoutMs, onEvent: (e) => services.events.record(e), logger,
    });
    shutdown.add(() => dp.volumes.closeAll());
    const services = createControlServices(store, dp.access, { dataDir: config.dataDir });
    powerOnLogicalUnits(store, (short, long) => services.events.record({ category: 'array', actor: 'tandem-up', short, long }));
    await dp.volumes.openAll();
    await ensureDemoVolume(services, firstStart);
    refuseUnprotectedPortals(portals, services);
    await dp.iscsi.start();
    shutdown.add(() => dp.iscsi.stop());

    const apiUrl = await serveApi({ services, dataPlane: dp.access, token, logger: logger.child({ layer: 'api' }) }, config.api, config.dataDir, shutdown);
    lock.note({ api: apiUrl });
    services.events.record({
      category: 'array', actor: 'tandem-up', short: `array started: target ${iqn}, portals ${portals.map((p) => `${p.host}:${p.port}`).join(', ')}`,
      ...(lock.previous ? { severity: 'warning' as const, long: `${uncleanStop(lock.previous)}; this start took its data directory over` } : {}),
    });

    let stopping: Promise<void> | undefined;
    return {
      iqn,
      portals: dp.iscsi.boundPortals().map((p) => ({ host: p.host, port: p.port, tpgt: p.tpgt })),
      apiUrl,
      services,
      stop(reason = 'stop requested') {
        stopping ??= (async () => {
          try {
            services.events.record({ category: 'array', actor: 'tandem-up', short: `array stopping: ${reason}` });
          } catch { /* store may be gone */ }
          await stopAll();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function openStoreExclusive(dataDir: string): Store {
  try {
    return Store.open(dataDir, { exclusive: true });
  } catch (err) {
    if (/locked|busy/i.test((err as Error).message)) {
      throw new ConflictError(`data directory ${dataDir} is in use by another running array: stop it first, or start this one with another --data-dir`);
    }
    throw err;
  }
}
