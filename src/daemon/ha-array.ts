/**
 * The composition root of the dual-controller array's supervisor (`tandem up`, two
 * controllers): the store (shared with the controllers, so not exclusive), the control
 * services over the data-plane relay, the supervisor with its address plan and settings,
 * the real ClusterControl and the management API. Each controller is a process of its
 * own (controller-main.ts), forked here and spoken to over the typed IPC protocol.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureApiToken } from '../api/api-files.js';
import type { ArrayConfig } from '../config/config.js';
import type { HaConfig } from '../config/ha-config.js';
import { refuseUnprotectedPortals } from '../config/portal-protection.js';
import { loadOrCreatePeerSecret } from '../controller/index.js';
import type { Logger } from '../lib/logger.js';
import { createControlServices } from '../management/index.js';
import { STATE_DB_FILE, Store } from '../store/index.js';
import { SupervisorAddresses } from '../supervisor/addresses.js';
import { clusterEvents, recordSafely } from '../supervisor/cluster-events.js';
import { SupervisorClusterControl } from '../supervisor/cluster-control.js';
import { DataPlaneRelay } from '../supervisor/data-plane-relay.js';
import { IpcEndpoint } from '../supervisor/ipc/endpoint.js';
import { IpcRpc } from '../supervisor/ipc/ipc-rpc.js';
import { ensureOwnershipRows } from '../supervisor/ownership-rows.js';
import { ClusterSettings } from '../supervisor/settings.js';
import { Supervisor, type ControllerProcess } from '../supervisor/supervisor.js';
import { waitForPreviousControllers } from '../supervisor/previous-controllers.js';
import { ensureDemoVolume, lockDataDir, powerOnLogicalUnits, serveApi, uncleanStop, type RunningArray } from './array-start.js';
import { ShutdownSteps } from './shutdown-steps.js';

const CONTROLLER_MAIN = fileURLToPath(new URL('./controller-main.js', import.meta.url));

export async function startHaArray(config: ArrayConfig, ha: HaConfig, logger: Logger): Promise<RunningArray> {
  const shutdown = new ShutdownSteps(logger);
  const stopAll = () => shutdown.runAll();
  const names = ha.controllers.map((c) => c.name);
  // Before anything of the data directory is touched (store, leases, api.json, ports):
  // a second `tandem up` on a running array refuses here and changes nothing.
  const lock = await lockDataDir(config.dataDir, `tandem up (controllers ${names.join(', ')})`, shutdown, logger);
  try {
    const firstStart = !existsSync(join(config.dataDir, STATE_DB_FILE));
    const store = Store.open(config.dataDir, { busyTimeoutMs: 5000 });
    shutdown.add(() => store.close());
    // A controller of an earlier supervisor may still hold its lease (an orphan exits at
    // once; a live array without the lock makes this refuse).
    const previous = await waitForPreviousControllers({
      leases: store.leases, leaseMs: ha.leaseMs, now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    });
    if (previous.expired.length > 0) {
      logger.warn({ waitedMs: previous.waitedMs, leases: previous.expired }, `waited for the leases of ${previous.expired.map((l) => `controller ${l.name}`).join(', ')} of an earlier start to run out`);
    }
    const token = await ensureApiToken(config.dataDir);
    loadOrCreatePeerSecret(config.dataDir);
    const iqn = store.identity.targetIqn;
    const settings = new ClusterSettings(store, ha, logger);
    // A new volume goes to a controller that can serve it: one online now (all of them before any is).
    const candidates = () => { const live = sup.live().map((c) => c.name); return live.length > 0 ? live : names; };
    const ownershipRows = (named?: Readonly<Record<string, string>>) => ensureOwnershipRows(store.ownership, candidates(), named);
    const dataPlane = new DataPlaneRelay({
      iqn, ha, live: () => sup.live(), ensureOwnershipRows: ownershipRows, deleteOwnership: (id) => store.ownership.delete(id), logger,
    });
    const services = createControlServices(store, dataPlane, { dataDir: config.dataDir, allowMemoryBacking: false });
    const event = clusterEvents(services.events, logger);
    const addresses: SupervisorAddresses = new SupervisorAddresses({
      ha,
      controller: (name) => sup.snapshot(name)!,
      live: () => sup.live(),
      channel: (name) => sup.channel(name),
      ownership: () => store.ownership.list(),
      policy: () => settings.policy(),
      event, alerts: services.alerts, logger,
    });
    const spawn = (name: string): ControllerProcess => {
      const proc = fork(CONTROLLER_MAIN, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: process.env });
      const rpc = new IpcRpc(proc, (why) => logger.error({ controller: name, why }, 'malformed IPC message from controller dropped'));
      return { proc, channel: new IpcEndpoint(rpc, 'supervisor', logger.child({ controller: name })) };
    };
    const sup: Supervisor = new Supervisor({
      config, ha, leases: store.leases, settings, alerts: services.alerts, event,
      dataPathEvent: recordSafely(services.events, logger), addresses, spawn, logger,
    });
    ownershipRows();
    shutdown.add(() => sup.stopAll());
    refuseUnprotectedPortals(ha.controllers.flatMap((c) => c.ports), services);
    // No controller of this data directory runs (the lock and the leases above say so) and
    // every one starts now: the logical units power on (docs/ha.md «LU state belongs to the array»).
    powerOnLogicalUnits(store, (short, long) => event('info', short, 'tandem-up', long));
    await sup.start();
    await ensureDemoVolume(services, firstStart);
    // Only now do the controllers accept logins: a host that logs in finds its LUNs.
    await dataPlane.settled();
    await sup.serveAll();
    const cluster = new SupervisorClusterControl({ ha, store, controllers: sup, addresses, settings, event });
    const apiUrl = await serveApi({ services, dataPlane, token, cluster, logger: logger.child({ layer: 'api' }) }, config.api, config.dataDir, shutdown);
    lock.note({ api: apiUrl });
    const portals = ha.controllers.flatMap((c) => c.ports.map((p) => ({ host: p.host, port: p.port, tpgt: p.tpgt })));
    event(lock.previous ? 'warning' : 'info', `array started with controllers ${names.join(', ')}: target ${iqn}, portals ${portals.map((p) => `${p.host}:${p.port}`).join(', ')}`, 'tandem-up',
      lock.previous ? `${uncleanStop(lock.previous)}; this start took its data directory over` : undefined);
    let stopping: Promise<void> | undefined;
    return {
      iqn, portals, apiUrl, services,
      stop(reason = 'stop requested') {
        stopping ??= (async () => {
          event('info', `array stopping: ${reason}`, 'tandem-up');
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
