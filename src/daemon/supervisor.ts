/**
 * The supervisor of a dual-controller array (HA design "Processes"): `tandem up
 * --controllers 2`. Owns the configuration, the store (opened non-exclusively: the
 * controllers share it), the management API with the real ClusterControl, the event log
 * and alerts. Forks one controller process per controller (controller-main.js, IPC),
 * is the fence agent (SIGKILL + lease epoch bump), fences a controller whose process
 * exits at once (fast detection) and tells the survivor to take over. It never restarts
 * a failed controller by itself: `tandem controller enable NAME` does.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.js';
import { ensureApiToken, writeApiEndpoint } from '../api/api-files.js';
import { createControlServices, type ControlServices } from '../management/index.js';
import { checkPolicyPatch, DEFAULT_CLUSTER_POLICY, IP_FAILOVER_MODES, type ClusterPolicy, type ControllerState, type IpFailover } from '../management/cluster.js';
import { loadOrCreatePeerSecret, type ControllerHealth } from '../controller/index.js';
import type { Logger } from '../lib/logger.js';
import { STATE_DB_FILE, Store } from '../store/index.js';
import { DEMO_VOLUME, refuseUnprotectedPortals, type RunningArray } from './array.js';
import type { ArrayConfig } from '../config/config.js';
import type { HaConfig, HaControllerConfig } from '../config/ha-config.js';
import { IpcRpc } from './ipc-rpc.js';
import { SupervisorDataPlane } from './supervisor-data-plane.js';
import { SupervisorClusterControl } from './cluster-control.js';
import { SupervisorAddresses } from './supervisor-addresses.js';
import { ShutdownSteps } from './shutdown-steps.js';
import { IP_FAILOVER_KEY, POLICY_KEY } from './settings-keys.js';

export interface ControllerSlot {
  cfg: HaControllerConfig;
  state: ControllerState;
  proc: ChildProcess | undefined;
  rpc: IpcRpc | undefined;
  /** Ports whose link is down (fault port-down). */
  portsDown: Set<string>;
}

/** failback auto restarts a failed controller, at most this often (crash-loop guard). */
const AUTO_RESTART = { delayMs: 1000, max: 3, windowMs: 10 * 60_000 };

/** What an alert a controller's failover machine raises asks the operator to do. */
function alertAction(id: string): string {
  const [kind, who] = id.split(':');
  if (kind === 'controller-failed') return `run: tandem controller enable ${who}`;
  if (kind === 'peer-link-lost') return 'check the interconnect between the controllers (tandem fault peer-link-restore if it was injected)';
  if (kind === 'fence-failed') return `stop controller ${who} by hand (kill its process), then run: tandem controller enable ${who}`;
  return 'see tandem events';
}

const CONTROLLER_MAIN = fileURLToPath(new URL('./controller-main.js', import.meta.url));

export class Supervisor {
  readonly slots = new Map<string, ControllerSlot>();
  policy: ClusterPolicy = { ...DEFAULT_CLUSTER_POLICY };
  services!: ControlServices;
  /** Volumes in an ownership move (ALUA transitioning), as the moving controllers report them. */
  readonly moving = new Set<string>();
  /** Port/controller address failover (DS300 ipFailover): the plan and its application. */
  readonly addresses = new SupervisorAddresses(this);
  private stopping = false;
  private peerLinkPort = 0;

  constructor(readonly config: ArrayConfig, readonly ha: HaConfig, readonly store: Store, readonly logger: Logger) {
    for (const c of ha.controllers) this.slots.set(c.name, { cfg: c, state: 'stopped', proc: undefined, rpc: undefined, portsDown: new Set() });
    Object.assign(this.policy, ha.policy); // the configuration file's initial policy (checked by loadConfig)
    // Changes an operator made at run time (tandem cluster policy set) outlive a restart.
    try {
      const stored = store.settings.get<object>(POLICY_KEY);
      if (stored) Object.assign(this.policy, checkPolicyPatch(this.policy, stored));
    } catch (err) {
      logger.warn({ err }, 'stored cluster policy ignored');
    }
    const ipfo = store.settings.get<Record<string, string>>(IP_FAILOVER_KEY) ?? {};
    for (const c of ha.controllers) {
      const m = ipfo[c.name];
      if (m !== undefined && (IP_FAILOVER_MODES as readonly string[]).includes(m)) c.ipFailover = m as IpFailover;
    }
    this.policy.heartbeatIntervalMs = ha.heartbeatIntervalMs;
    this.policy.heartbeatTimeoutMs = ha.heartbeatTimeoutMs;
  }

  event(severity: 'info' | 'warning' | 'error', short: string, actor = 'supervisor', long?: string): void {
    try {
      this.services.events.record({ severity, category: 'cluster', actor, short, ...(long ? { long } : {}) });
    } catch (err) {
      this.logger.error({ err }, 'event record failed');
    }
  }

  health(name: string): ControllerHealth {
    const s = this.slots.get(name)!.state;
    return s === 'online' ? 'online' : s === 'starting' || s === 'stopped' ? 'starting' : s === 'disabled' ? 'disabled' : s === 'fenced' ? 'fenced' : 'failed';
  }

  /** Live controllers (IPC up), `prefer` first. */
  live(prefer?: string): ControllerSlot[] {
    const all = [...this.slots.values()].filter((s) => s.state === 'online' && s.rpc);
    return all.sort((a, b) => (a.cfg.name === prefer ? -1 : b.cfg.name === prefer ? 1 : 0));
  }

  /** The controller with the fewest preferred volumes (HA design: new volumes). */
  choosePreferred(): string {
    const counts = new Map([...this.slots.keys()].map((n) => [n, 0]));
    for (const r of this.store.ownership.list()) counts.set(r.preferredOwner, (counts.get(r.preferredOwner) ?? 0) + 1);
    return [...counts].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))[0]![0];
  }

  ensureOwnershipRows(): void {
    for (const id of this.store.ownership.missing()) {
      const owner = this.choosePreferred();
      this.store.ownership.insert({ volumeId: id, preferredOwner: owner, currentOwner: owner }, Date.now());
    }
  }

  async startController(name: string): Promise<void> {
    const slot = this.slots.get(name)!;
    slot.state = 'starting';
    // slot.portsDown stays: a link that is down stays down across a controller restart.
    const proc = fork(CONTROLLER_MAIN, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: process.env });
    const rpc = new IpcRpc(proc);
    slot.proc = proc;
    slot.rpc = rpc;
    rpc.onNote((op, args) => {
      if (op === 'event') {
        const e = args as { severity: 'info' | 'warning' | 'error'; short: string; long?: string };
        this.event(e.severity, e.short, `controller ${name}`, e.long);
      } else if (op === 'moving') {
        const m = args as { volumeId: string; on: boolean };
        if (m.on) this.moving.add(m.volumeId);
        else this.moving.delete(m.volumeId);
      } else if (op === 'alert') {
        const a = args as { op: 'raise' | 'clear'; id: string; message?: string };
        try {
          if (a.op === 'raise') this.services.alerts.raise(a.id, { short: a.message ?? a.id, action: alertAction(a.id) }, `controller ${name}`);
          else this.services.alerts.clear(a.id, `controller ${name}`);
        } catch (err) {
          this.logger.error({ err }, 'alert from controller failed');
        }
      }
    });
    rpc.onRequest(async (op, args) => {
      if (op === 'fence') {
        const a = args as { name: string; reason: string };
        await this.fence(a.name, `controller ${name}: ${a.reason}`);
        return null;
      }
      throw new Error(`unknown op ${op}`);
    });
    proc.once('exit', (code, signal) => this.onExit(name, proc, code, signal));
    const peers: Record<string, ControllerHealth> = {};
    for (const other of this.slots.values()) if (other.cfg.name !== name) peers[other.cfg.name] = this.health(other.cfg.name);
    try {
      const r = await rpc.request<{ pid: number }>('init', {
        self: name, dataDir: this.config.dataDir, ha: this.ha, peerLinkPort: this.peerLinkPort, nopIntervalMs: this.config.nopIntervalMs,
        nopTimeoutMs: this.config.nopTimeoutMs, policy: this.policy, peers, logLevel: this.config.logLevel,
      }, 20000);
      if (slot.proc !== proc) return;
      slot.state = 'online';
      this.event('info', `controller ${name} online (pid ${r.pid})`);
      for (const other of this.live()) if (other.cfg.name !== name) void other.rpc!.request('peer-health', { name, health: 'online' }).catch(() => undefined);
      await this.addresses.reconcile(`controller ${name} online`, { started: name });
    } catch (err) {
      this.event('error', `controller ${name} failed to start: ${(err as Error).message}`);
      proc.kill('SIGKILL');
      throw err;
    }
  }

  private onExit(name: string, proc: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    const slot = this.slots.get(name)!;
    if (slot.proc !== proc) return;
    slot.proc = undefined;
    slot.rpc?.failAll(`controller ${name} exited`);
    this.moving.clear(); // a move it was making ended with it (the survivor takes over from the store)
    slot.rpc = undefined;
    if (this.stopping) {
      slot.state = 'stopped';
      return;
    }
    // Fast detection: the process is gone, fence its lease so nothing it left can act.
    try {
      this.store.leases.fence(name, Date.now());
    } catch (err) {
      this.logger.error({ err }, 'lease fence failed');
    }
    if (slot.state !== 'disabled' && slot.state !== 'fenced') slot.state = 'failed';
    const why = signal ? `killed by ${signal}` : `exited with code ${code}`;
    this.event('error', `controller ${name} failed`, 'supervisor', `controller ${name} process ${why}; its lease is fenced and its peer takes over its volumes and addresses`);
    if (slot.state !== 'disabled') {
      this.services.alerts.raise(`controller-failed:${name}`, {
        short: `controller ${name} failed: waiting for operator enable`,
        long: `controller ${name} process ${why}`,
        action: `run: tandem controller enable ${name}`,
      }, 'supervisor');
    }
    if ((slot.state === 'failed' || slot.state === 'fenced') && this.policy.failback === 'auto') this.scheduleRestart(name);
    const takeover = { name, why: `controller ${name} process ${why}; fenced by the supervisor`, disabled: slot.state === 'disabled' };
    const takeovers = this.live().map((other) => other.rpc!.request('take-over', takeover).catch((err) => this.logger.error({ err }, 'take-over failed')));
    // Volumes first, then the addresses (a host reconnecting finds the volumes owned).
    void Promise.all(takeovers).then(() => this.addresses.reconcile(`controller ${name} ${slot.state}`));
  }

  /** STONITH: SIGKILL the process and bump its lease epoch. */
  async fence(name: string, why: string): Promise<void> {
    const slot = this.slots.get(name);
    // Only a running controller needs fencing; one that is down was fenced when its process
    // exited, and one being started by the operator must not be killed by a stale request.
    if (!slot || slot.state !== 'online') return;
    slot.state = 'fenced';
    const proc = slot.proc;
    if (proc) {
      // SIGKILL first: a stopped process may hold the state store's write lock, and every
      // store write (lease epoch, event log) would wait for it. onExit bumps the lease
      // epoch once it is gone; this resolves after that, so the requester takes over only
      // from a fenced controller.
      const gone = new Promise<void>((r) => { if (proc.exitCode !== null || proc.signalCode !== null) r(); else proc.once('exit', () => setImmediate(r)); });
      proc.kill('SIGKILL');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5000).unref())]);
      this.event('error', `controller ${name} fenced`, 'supervisor', why);
      return;
    }
    this.store.leases.fence(name, Date.now());
    this.event('error', `controller ${name} fenced`, 'supervisor', why);
    for (const other of this.live()) await other.rpc!.request('take-over', { name }).catch(() => undefined);
    await this.addresses.reconcile(`controller ${name} fenced`);
  }

  async enable(name: string, actor: string): Promise<void> {
    const slot = this.slots.get(name)!;
    for (const other of this.live()) if (other.cfg.name !== name) await other.rpc!.request('peer-rejoining', { name });
    this.event('info', `controller ${name} enabled by ${actor}: starting`);
    // Its peer must release its addresses before it starts listening on them.
    await this.addresses.reconcile(`controller ${name} enabled`, { starting: name });
    await this.startController(name);
    this.services.alerts.clear(`controller-failed:${name}`, actor);
    // Failback (policy auto: after failbackDelayMs) is the survivor's failover machine's
    // business once this controller says hello on the peer link.
  }

  private readonly restarts = new Map<string, number[]>();

  /** failback auto: a failed controller is restarted (and rejoins) without an operator, unless it keeps failing. */
  private scheduleRestart(name: string): void {
    const now = Date.now();
    const recent = (this.restarts.get(name) ?? []).filter((t) => now - t < AUTO_RESTART.windowMs);
    if (recent.length >= AUTO_RESTART.max) {
      this.event('error', `controller ${name} not restarted: it failed ${recent.length + 1} times in ${AUTO_RESTART.windowMs / 60_000} minutes`, 'supervisor',
        'failback policy auto restarts a failed controller, but not one that keeps failing; find the cause (tandem events), then run: tandem controller enable ' + name);
      return;
    }
    this.restarts.set(name, [...recent, now]);
    const t = setTimeout(() => {
      const slot = this.slots.get(name)!;
      if (this.stopping || (slot.state !== 'failed' && slot.state !== 'fenced') || this.policy.failback !== 'auto') return;
      void this.enable(name, 'supervisor (failback policy auto)').catch((err: unknown) => this.logger.error({ err }, `automatic restart of ${name} failed`));
    }, AUTO_RESTART.delayMs);
    t.unref();
  }

  async disable(name: string, actor: string): Promise<void> {
    const slot = this.slots.get(name)!;
    this.restarts.delete(name);
    slot.state = 'disabled';
    // Killed first (see fence()); its lease epoch is bumped when the process is gone (onExit).
    if (slot.proc) slot.proc.kill('SIGKILL');
    else this.store.leases.fence(name, Date.now());
    this.event('warning', `controller ${name} disabled by ${actor}`);
  }

  async start(): Promise<void> {
    this.peerLinkPort = await freeLoopbackPort();
    for (const name of this.slots.keys()) await this.startController(name);
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    this.addresses.close();
    await Promise.all([...this.slots.values()].map(async (s) => {
      const p = s.proc;
      if (!p) return;
      const exited = new Promise<void>((r) => p.once('exit', () => r()));
      await s.rpc?.request('stop', null, 5000).catch(() => undefined);
      const t = setTimeout(() => p.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }));
  }
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export async function startHaArray(config: ArrayConfig, ha: HaConfig, logger: Logger): Promise<RunningArray> {
  const firstStart = !existsSync(join(config.dataDir, STATE_DB_FILE));
  const store = Store.open(config.dataDir, { busyTimeoutMs: 5000 });
  const sup = new Supervisor(config, ha, store, logger);
  const shutdown = new ShutdownSteps(logger);
  shutdown.add(() => store.close());
  const stopAll = () => shutdown.runAll();
  try {
    const token = await ensureApiToken(config.dataDir);
    loadOrCreatePeerSecret(config.dataDir);
    const iqn = store.identity.targetIqn;
    const dataPlane = new SupervisorDataPlane(sup, iqn);
    const services = createControlServices(store, dataPlane, { dataDir: config.dataDir, allowMemoryBacking: false });
    sup.services = services;
    sup.ensureOwnershipRows();
    shutdown.add(() => sup.stopAll());
    refuseUnprotectedPortals(ha.controllers.flatMap((c) => c.ports), services);
    await sup.start();
    if (firstStart && store.volumes.list().length === 0) {
      await services.volumes.create({ name: DEMO_VOLUME.name, sizeBytes: DEMO_VOLUME.sizeBytes }, 'tandem-up');
      services.mappings.create({ volume: DEMO_VOLUME.name, allLoopback: true, lun: 0 }, 'tandem-up');
    }
    const cluster = new SupervisorClusterControl(sup);
    const app: FastifyInstance = buildApp({ services, dataPlane, token, cluster, logger: logger.child({ layer: 'api' }) });
    await app.listen({ host: config.api.host, port: config.api.port });
    shutdown.add(() => app.close());
    const addr = app.server.address();
    const apiPort = typeof addr === 'object' && addr ? addr.port : config.api.port;
    const apiUrl = `http://${config.api.host.includes(':') ? `[${config.api.host}]` : config.api.host}:${apiPort}`;
    await writeApiEndpoint(config.dataDir, apiUrl);
    const portals = ha.controllers.flatMap((c) => c.ports.map((p) => ({ host: p.host, port: p.port, tpgt: p.tpgt })));
    sup.event('info', `array started with controllers ${ha.controllers.map((c) => c.name).join(', ')}: target ${iqn}, portals ${portals.map((p) => `${p.host}:${p.port}`).join(', ')}`, 'tandem-up');
    let stopping: Promise<void> | undefined;
    return {
      iqn, portals, apiUrl, services,
      stop(reason = 'stop requested') {
        stopping ??= (async () => {
          sup.event('info', `array stopping: ${reason}`, 'tandem-up');
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
