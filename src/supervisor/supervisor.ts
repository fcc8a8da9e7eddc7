/**
 * The supervisor of a dual-controller array: `tandem up` (two controllers, the
 * default). Keeps one slot per controller (state, process, IPC channel, ports
 * whose link is down), starts each controller process (the daemon's `spawn`), is the
 * fence agent (SIGKILL + lease epoch bump), fences a controller whose process exits at
 * once (fast detection) and tells the survivor to take over. It never restarts a failed
 * controller by itself (`tandem controller enable NAME` does), unless the failback
 * policy is 'auto'. What the controllers report (events, data-path events, alerts,
 * ownership moves) goes to the event log and the alerts.
 */
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { ControllerHealth, ControllerState } from '../cluster/index.js';
import type { ArrayConfig } from '../config/config.js';
import type { HaConfig, HaControllerConfig } from '../config/ha-config.js';
import { alertAction, alertId, parseAlertId, type AlertKind } from '../controller/alert-ids.js';
import type { DataPathEvent } from '../datapath/target-events.js';
import type { Logger } from '../lib/logger.js';
import type { AlertService } from '../management/alerts.js';
import type { LeaseRepo } from '../store/lease-repo.js';
import type { ReconcileOptions } from './addresses.js';
import type { ClusterEventSink } from './cluster-events.js';
import type { ControllerChannel } from './ipc/endpoint.js';
import type { ClusterSettings } from './settings.js';

/** A started controller process and the typed IPC channel to it. */
export interface ControllerProcess {
  proc: ChildProcess;
  channel: ControllerChannel;
}

/** A controller that is online, with its channel. */
export interface LiveController {
  name: string;
  channel: ControllerChannel;
}

/** What a collaborator may know of a controller slot (a copy). */
export interface ControllerSnapshot {
  name: string;
  state: ControllerState;
  pid: number | null;
  ipFailover: HaControllerConfig['ipFailover'];
  portsDown: ReadonlySet<string>;
}

/** The supervisor as the cluster control and the address plan see it. */
export interface Controllers {
  names(): string[];
  snapshot(name: string): ControllerSnapshot | undefined;
  live(prefer?: string): LiveController[];
  channel(name: string): ControllerChannel | undefined;
  isMoving(volumeId: string): boolean;
  enable(name: string, actor: string): Promise<void>;
  disable(name: string, actor: string): Promise<void>;
  /** Sends `signal` to a running controller's process; false when it is not running. */
  signal(name: string, signal: NodeJS.Signals): boolean;
  /** Marks a port's link down or up (fault port-down/port-up); false when it already was. */
  setPortDown(controller: string, port: string, down: boolean): boolean;
}

export interface SupervisorDeps {
  config: Pick<ArrayConfig, 'dataDir' | 'nopIntervalMs' | 'nopTimeoutMs' | 'logLevel'>;
  ha: HaConfig;
  leases: Pick<LeaseRepo, 'fence' | 'get' | 'release'>;
  settings: Pick<ClusterSettings, 'policy'>;
  alerts: Pick<AlertService, 'raise' | 'clear' | 'list'>;
  event: ClusterEventSink;
  /** The data-path events of the controllers (login, logout, TMF, reset …) for the event log. */
  dataPathEvent(e: DataPathEvent): void;
  addresses: {
    reconcile(why: string, opts?: ReconcileOptions): Promise<unknown>;
    close(): void;
    /** A move ended: a failback alert whose volumes are home clears. */
    ownershipChanged(): void;
    /** A controller is back with its volumes elsewhere: the manual-failback alert (addresses.ts). */
    failbackNeeded(name: string, after: string): void;
  };
  /** Forks a controller process (the daemon knows its entry point). */
  spawn(name: string): ControllerProcess;
  logger: Logger;
}

interface ControllerSlot {
  cfg: HaControllerConfig;
  state: ControllerState;
  proc: ChildProcess | undefined;
  channel: ControllerChannel | undefined;
  /** Ports whose link is down (fault port-down). */
  portsDown: Set<string>;
}

/**
 * Alerts about processes and links of an earlier run (docs/processes.md "Starting
 * twice"): none of their conditions survives a new start — the controllers are started
 * afresh, link state lives in the supervisor's memory, and the controllers raise again
 * what is still true. A volume still away from its preferred owner is still true:
 * 'controller-failback-needed' stays (and clears when the volumes are home).
 */
const RUN_SCOPED_ALERTS: ReadonlySet<AlertKind> = new Set<AlertKind>([
  'controller-failed', 'peer-link-lost', 'fence-failed', 'controller-port-failover', 'port-link-down', 'backend-failed',
]);

/** failback auto restarts a failed controller, at most this often (crash-loop guard). */
const AUTO_RESTART = { delayMs: 1000, max: 3, windowMs: 10 * 60_000 };

const HEALTH: Record<ControllerState, ControllerHealth> = {
  online: 'online', starting: 'starting', stopped: 'starting', disabled: 'disabled', fenced: 'fenced', failed: 'failed',
};

export class Supervisor implements Controllers {
  private readonly slots = new Map<string, ControllerSlot>();
  /** Volumes in an ownership move (ALUA transitioning), as the moving controllers report them. */
  private readonly moving = new Set<string>();
  private readonly restarts = new Map<string, number[]>();
  private stopping = false;
  private peerLinkPort = 0;

  constructor(private readonly d: SupervisorDeps) {
    for (const c of d.ha.controllers) this.slots.set(c.name, { cfg: c, state: 'stopped', proc: undefined, channel: undefined, portsDown: new Set() });
  }

  // ---- what collaborators read ----

  names(): string[] {
    return [...this.slots.keys()];
  }

  snapshot(name: string): ControllerSnapshot | undefined {
    const s = this.slots.get(name);
    return s && { name, state: s.state, pid: s.proc?.pid ?? null, ipFailover: s.cfg.ipFailover, portsDown: new Set(s.portsDown) };
  }

  health(name: string): ControllerHealth {
    return HEALTH[this.slots.get(name)!.state];
  }

  /** Live controllers (IPC up), `prefer` first. */
  live(prefer?: string): LiveController[] {
    const all = [...this.slots.values()].filter((s) => s.state === 'online' && s.channel).map((s) => ({ name: s.cfg.name, channel: s.channel! }));
    return all.sort((a, b) => (a.name === prefer ? -1 : b.name === prefer ? 1 : 0));
  }

  channel(name: string): ControllerChannel | undefined {
    return this.slots.get(name)?.channel;
  }

  isMoving(volumeId: string): boolean {
    return this.moving.has(volumeId);
  }

  signal(name: string, signal: NodeJS.Signals): boolean {
    const proc = this.slots.get(name)?.proc;
    if (!proc) return false;
    proc.kill(signal);
    return true;
  }

  setPortDown(controller: string, port: string, down: boolean): boolean {
    const s = this.slots.get(controller)!;
    if (down === s.portsDown.has(port)) return false;
    if (down) s.portsDown.add(port);
    else s.portsDown.delete(port);
    return true;
  }

  // ---- controller processes ----

  async startController(name: string): Promise<void> {
    const d = this.d;
    const slot = this.slots.get(name)!;
    slot.state = 'starting';
    // slot.portsDown stays: a link that is down stays down across a controller restart.
    const { proc, channel } = d.spawn(name);
    slot.proc = proc;
    slot.channel = channel;
    const actor = `controller ${name}`;
    channel.serve({
      fence: async (a) => { await this.fence(a.name, a.reason, actor); },
      event: (e) => d.event(e.severity, e.short, actor, e.long),
      'datapath-event': (e) => d.dataPathEvent(e),
      moving: (m) => {
        if (m.on) this.moving.add(m.volumeId);
        else {
          this.moving.delete(m.volumeId);
          d.addresses.ownershipChanged();
        }
      },
      alert: (a) => {
        try {
          if (a.op === 'raise') d.alerts.raise(a.id, { short: a.message ?? a.id, action: alertAction(a.id) }, actor);
          else d.alerts.clear(a.id, actor);
        } catch (err) {
          d.logger.error({ err }, 'alert from controller failed');
        }
      },
    });
    proc.once('exit', (code, signal) => this.onExit(name, proc, code, signal));
    const peers: Record<string, ControllerHealth> = {};
    for (const other of this.slots.keys()) if (other !== name) peers[other] = this.health(other);
    try {
      const r = await channel.request('init', {
        self: name, dataDir: d.config.dataDir, ha: d.ha, peerLinkPort: this.peerLinkPort, nopIntervalMs: d.config.nopIntervalMs,
        nopTimeoutMs: d.config.nopTimeoutMs, policy: d.settings.policy(), peers, logLevel: d.config.logLevel,
      }, 20000);
      if (slot.proc !== proc) return;
      slot.state = 'online';
      d.event('info', `controller ${name} online (pid ${r.pid})`);
      for (const other of this.live()) if (other.name !== name) void other.channel.request('peer-health', { name, health: 'online' }).catch(() => undefined);
      await d.addresses.reconcile(`controller ${name} online`, { started: name });
    } catch (err) {
      d.event('error', `controller ${name} failed to start: ${(err as Error).message}`);
      proc.kill('SIGKILL');
      throw err;
    }
  }

  private onExit(name: string, proc: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    const d = this.d;
    const slot = this.slots.get(name)!;
    if (slot.proc !== proc) return;
    slot.proc = undefined;
    slot.channel?.failAll(`controller ${name} exited`);
    // What the process knew of its back end went with it (a new process probes afresh).
    d.alerts.clear(alertId('backend-failed', name), 'supervisor');
    this.moving.clear(); // a move it was making ended with it (the survivor takes over from the store)
    slot.channel = undefined;
    if (this.stopping) {
      slot.state = 'stopped';
      return;
    }
    const why = signal ? `killed by ${signal}` : `exited with code ${code}`;
    // Fast detection: the process is gone, fence its lease so nothing it left can act.
    try {
      const epoch = d.leases.fence(name, Date.now());
      if (slot.state !== 'fenced' && slot.state !== 'disabled') {
        d.logger.warn({ fenced: name, by: 'supervisor', reason: `process ${why}`, epoch }, `supervisor fenced controller ${name}: its process ${why} (lease epoch now ${epoch})`);
      }
    } catch (err) {
      d.logger.error({ err }, 'lease fence failed');
    }
    if (slot.state !== 'disabled' && slot.state !== 'fenced') slot.state = 'failed';
    d.event('error', `controller ${name} failed`, 'supervisor', `controller ${name} process ${why}; its lease is fenced and its peer takes over its volumes and addresses`);
    if (slot.state !== 'disabled') {
      d.alerts.raise(alertId('controller-failed', name), {
        short: `controller ${name} failed: waiting for operator enable`,
        long: `controller ${name} process ${why}`,
        action: alertAction(alertId('controller-failed', name)),
      }, 'supervisor');
    }
    if ((slot.state === 'failed' || slot.state === 'fenced') && d.settings.policy().failback === 'auto') this.scheduleRestart(name);
    const takeover = { name, why: `controller ${name} process ${why}; fenced by the supervisor`, disabled: slot.state === 'disabled' };
    const takeovers = this.live().map((other) => other.channel.request('take-over', takeover).catch((err) => d.logger.error({ err }, 'take-over failed')));
    // Volumes first, then the addresses (a host reconnecting finds the volumes owned).
    void Promise.all(takeovers).then(() => d.addresses.reconcile(`controller ${name} ${slot.state}`));
  }

  /** STONITH: SIGKILL the process and bump its lease epoch; `by` asked for it ("controller B"). */
  async fence(name: string, reason: string, by: string): Promise<void> {
    const d = this.d;
    const slot = this.slots.get(name);
    // Only a running controller needs fencing; one that is down was fenced when its process
    // exited, and one being started by the operator must not be killed by a stale request.
    if (!slot || slot.state !== 'online') return;
    slot.state = 'fenced';
    const why = `${by}: ${reason}`;
    d.logger.warn({ fenced: name, by, reason, pid: slot.proc?.pid ?? null }, `${by} fenced controller ${name}: ${reason}; the supervisor kills it (SIGKILL) and bumps its lease epoch`);
    const proc = slot.proc;
    if (proc) {
      // SIGKILL first: a stopped process may hold the state store's write lock, and every
      // store write (lease epoch, event log) would wait for it. onExit bumps the lease
      // epoch once it is gone; this resolves after that, so the requester takes over only
      // from a fenced controller.
      const gone = new Promise<void>((r) => { if (proc.exitCode !== null || proc.signalCode !== null) r(); else proc.once('exit', () => setImmediate(r)); });
      proc.kill('SIGKILL');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5000).unref())]);
      d.event('error', `controller ${name} fenced by ${by}: ${reason}`, 'supervisor', why);
      return;
    }
    d.leases.fence(name, Date.now());
    d.event('error', `controller ${name} fenced by ${by}: ${reason}`, 'supervisor', why);
    for (const other of this.live()) await other.channel.request('take-over', { name }).catch(() => undefined);
    await d.addresses.reconcile(`controller ${name} fenced`);
  }

  async enable(name: string, actor: string): Promise<void> {
    const was = this.slots.get(name)!.state;
    for (const other of this.live()) if (other.name !== name) await other.channel.request('peer-rejoining', { name });
    this.d.event('info', `controller ${name} enabled by ${actor}: starting`);
    // Its peer must release its addresses before it starts listening on them.
    await this.d.addresses.reconcile(`controller ${name} enabled`, { starting: name });
    await this.startController(name);
    this.d.alerts.clear(alertId('controller-failed', name), actor);
    // failback manual: its volumes stay where the takeover put them until an operator fails back.
    this.d.addresses.failbackNeeded(name, was === 'disabled' ? 'being disabled' : 'a controller failure');
    // Failback (policy auto: after failbackDelayMs) is the survivor's failover machine's
    // business once this controller says hello on the peer link.
  }

  /** failback auto: a failed controller is restarted (and rejoins) without an operator, unless it keeps failing. */
  private scheduleRestart(name: string): void {
    const now = Date.now();
    const recent = (this.restarts.get(name) ?? []).filter((t) => now - t < AUTO_RESTART.windowMs);
    if (recent.length >= AUTO_RESTART.max) {
      this.d.event('error', `controller ${name} not restarted: it failed ${recent.length + 1} times in ${AUTO_RESTART.windowMs / 60_000} minutes`, 'supervisor',
        'failback policy auto restarts a failed controller, but not one that keeps failing; find the cause (tandem events), then run: tandem controller enable ' + name);
      return;
    }
    this.restarts.set(name, [...recent, now]);
    const t = setTimeout(() => {
      const slot = this.slots.get(name)!;
      if (this.stopping || (slot.state !== 'failed' && slot.state !== 'fenced') || this.d.settings.policy().failback !== 'auto') return;
      void this.enable(name, 'supervisor (failback policy auto)').catch((err: unknown) => this.d.logger.error({ err }, `automatic restart of ${name} failed`));
    }, AUTO_RESTART.delayMs);
    t.unref();
  }

  async disable(name: string, actor: string): Promise<void> {
    const slot = this.slots.get(name)!;
    this.restarts.delete(name);
    slot.state = 'disabled';
    // Killed first (see fence()); its lease epoch is bumped when the process is gone (onExit).
    this.d.logger.warn({ fenced: name, by: actor, reason: 'disabled' }, `${actor} disabled controller ${name}: the supervisor kills it (SIGKILL) and fences its lease`);
    if (slot.proc) slot.proc.kill('SIGKILL');
    else this.d.leases.fence(name, Date.now());
    this.d.event('warning', `controller ${name} disabled by ${actor}`);
  }

  async start(): Promise<void> {
    for (const a of this.d.alerts.list({ open: true })) {
      const kind = parseAlertId(a.key)?.kind;
      if (kind && RUN_SCOPED_ALERTS.has(kind)) this.d.alerts.clear(a.key, 'tandem-up (a new start)');
    }
    this.peerLinkPort = await freeLoopbackPort();
    for (const name of this.slots.keys()) await this.startController(name);
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    this.d.addresses.close();
    await Promise.all([...this.slots.values()].map(async (s) => {
      const p = s.proc;
      if (!p) return;
      const exited = new Promise<void>((r) => p.once('exit', () => r()));
      await s.channel?.request('stop', undefined, 5000).catch(() => undefined);
      const t = setTimeout(() => p.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
      // The process is gone: expire its lease, so that the next start need not wait it out
      // (src/supervisor/previous-controllers.ts).
      try {
        const l = this.d.leases.get(s.cfg.name);
        if (l) this.d.leases.release(s.cfg.name, l.epoch, Date.now());
      } catch (err) {
        this.d.logger.warn({ err, controller: s.cfg.name }, 'lease release on stop failed');
      }
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
