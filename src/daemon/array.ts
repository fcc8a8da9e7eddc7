/**
 * The composition root of one array: the only place that constructs concrete objects
 * (store, control services, volumes, SCSI core, iSCSI target, management API) and
 * wires them together.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.js';
import { ensureApiToken, writeApiEndpoint } from '../api/api-files.js';
import { loadFsNative } from '../block/native.js';
import { createControlServices, type ControlServices } from '../management/index.js';
import { IscsiTarget } from '../iscsi/target/iscsi-target.js';
import type { Logger } from '../lib/logger.js';
import { ConflictError, ValidationError } from '../lib/errors.js';
import { ScsiTarget } from '../scsi/index.js';
import type { ItNexus, ScsiTargetPort } from '../scsi/types.js';
import { STATE_DB_FILE, Store } from '../store/index.js';
import { ArrayDataPlane, type ServedPortal } from './array-data-plane.js';
import type { ArrayConfig } from '../config/config.js';
import { isLoopback } from '../config/portal.js';
import { VolumeRuntime } from './volume-runtime.js';
import { presentSessions } from './sessions.js';
import { ShutdownSteps } from './shutdown-steps.js';

export const DEMO_VOLUME = { name: 'demo', sizeBytes: 1024 * 1024 * 1024 } as const;

export interface RunningArray {
  iqn: string;
  portals: Array<{ host: string; port: number; tpgt: number }>;
  apiUrl: string;
  services: ControlServices;
  stop(reason?: string): Promise<void>;
}

export async function startArray(config: ArrayConfig, logger: Logger): Promise<RunningArray> {
  const firstStart = !existsSync(join(config.dataDir, STATE_DB_FILE));
  // exclusive: a second daemon on the same data directory fails instead of sharing it.
  const store = openStoreExclusive(config.dataDir);
  const shutdown = new ShutdownSteps(logger);
  shutdown.add(() => store.close());
  const stopAll = () => shutdown.runAll();
  try {
    const token = await ensureApiToken(config.dataDir);
    const iqn = store.identity.targetIqn;
    // Each portal is its own SCSI target port (own TPGT and relative port id); a single
    // controller is one ALUA target port group.
    const portals: ServedPortal[] = config.portals.map((p, i) => ({ ...p, tpgt: i + 1, relativeTargetPortId: i + 1, targetPortGroupId: 1 }));

    const volumes = new VolumeRuntime(store, loadFsNative({ logger }), logger);
    shutdown.add(() => volumes.closeAll());
    const dataPlane = new ArrayDataPlane(volumes, iqn, portals);
    const services = createControlServices(store, dataPlane, { dataDir: config.dataDir });
    await volumes.openAll();

    if (firstStart && store.volumes.list().length === 0) {
      await services.volumes.create({ name: DEMO_VOLUME.name, sizeBytes: DEMO_VOLUME.sizeBytes }, 'tandem-up');
      services.mappings.create({ volume: DEMO_VOLUME.name, allLoopback: true, lun: 0 }, 'tandem-up');
    }
    refuseUnprotectedPortals(portals, services);

    const scsi = new ScsiTarget({
      access: dataPlane,
      ports: portals.map((p) => ({ relativeTargetPortId: p.relativeTargetPortId, targetPortGroupId: p.targetPortGroupId, name: `${iqn},t,0x${p.tpgt.toString(16).padStart(4, '0')}` })),
      logger: logger.child({ layer: 'scsi' }),
      onEvent: (e) => services.events.record({ category: 'scsi', actor: 'target', short: e.detail }),
    });
    const port: ScsiTargetPort = {
      execute: (cmd) => scsi.execute(cmd),
      taskManagement: (req) => scsi.taskManagement(req),
      lunsFor: (n) => scsi.lunsFor(n),
      nexusCreated: (n: ItNexus) => { dataPlane.nexusCreated(n); scsi.nexusCreated(n); },
      nexusLost: (n: ItNexus) => { dataPlane.nexusLost(n); scsi.nexusLost(n); },
    };
    const iscsi = new IscsiTarget({
      targetName: iqn,
      portals,
      scsi: port,
      auth: dataPlane,
      nopInterval: config.nopIntervalMs,
      nopTimeout: config.nopTimeoutMs,
      logger: logger.child({ layer: 'iscsi' }),
      onEvent: (e) => {
        const severity = e.type === 'login-failed' || e.type === 'connection-lost' ? 'warning' : 'info';
        services.events.record({ severity, category: 'session', actor: e.initiatorName || 'unknown', short: `${e.type}: ${e.initiatorName}: ${e.detail}` });
      },
    });
    dataPlane.bind(services.access, () => presentSessions(iscsi.listSessions()));
    await iscsi.start();
    shutdown.add(() => iscsi.stop());

    const app: FastifyInstance = buildApp({ services, dataPlane, token, logger: logger.child({ layer: 'api' }) });
    await app.listen({ host: config.api.host, port: config.api.port });
    shutdown.add(() => app.close());
    const addr = app.server.address();
    const apiPort = typeof addr === 'object' && addr ? addr.port : config.api.port;
    const apiHost = config.api.host.includes(':') ? `[${config.api.host}]` : config.api.host;
    const apiUrl = `http://${apiHost}:${apiPort}`;
    await writeApiEndpoint(config.dataDir, apiUrl);
    services.events.record({ category: 'array', actor: 'tandem-up', short: `array started: target ${iqn}, portals ${portals.map((p) => `${p.host}:${p.port}`).join(', ')}` });

    let stopping: Promise<void> | undefined;
    return {
      iqn,
      portals: iscsi.boundPortals().map((p) => ({ host: p.host, port: p.port, tpgt: p.tpgt })),
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

/**
 * "A non-loopback portal refuses to start without CHAP or explicit mappings": an open
 * network address must not serve volumes to whoever connects.
 */
export function refuseUnprotectedPortals(portals: ServedPortal[], services: ControlServices): void {
  const open = portals.filter((p) => !isLoopback(p.host));
  if (open.length === 0) return;
  const hosts = services.hosts.list();
  const withChap = hosts.some((h) => h.chap !== null);
  const explicit = services.mappings.list().some((m) => m.kind !== 'allLoopback');
  if (!withChap && !explicit) {
    throw new ValidationError(
      `portal ${open.map((p) => `${p.host}:${p.port}`).join(', ')} is not on loopback, but no host has CHAP and no volume is mapped to an explicit host or host group. ` +
        `Start on a loopback portal first, create a host with CHAP (tandem host create NAME --initiator IQN --chap-user U --chap-secret S) and map volumes to it, then restart with this portal.`,
      'portals',
    );
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
