/**
 * The supervisor's half of port and controller address failover (DS300 "iSCSI Fail
 * over" and "ipfailover modes", docs/sources.md; docs/ha.md "Port failures"). The supervisor
 * alone knows every port's link state and every controller's health, so it computes the
 * address plan (address-plan.ts) and sends each live controller its exact listener list
 * (IPC 'listeners', src/controller/runtime/controller-listeners.ts).
 *
 * A whole-controller failover caused by ports (ipFailover remote, or both with every
 * port down) of a controller that is still alive also moves its volumes: "the
 * controller is failed over to the other controller ... The host is now able to access
 * all storage through the online controller." When its ports come back its addresses go
 * home; its volumes follow if the failback policy is 'auto' (after failbackDelayMs),
 * else an alert asks for `tandem controller failback NAME`.
 *
 * Reconciliations run one at a time, in call order.
 */
import { alertAction, alertId } from '../controller/alert-ids.js';
import type { ListenersResult, PortalListener } from '../controller/runtime/controller-listeners.js';
import type { HaConfig } from '../config/ha-config.js';
import type { Logger } from '../lib/logger.js';
import type { AlertService } from '../management/alerts.js';
import type { ClusterPolicy, ControllerState, IpFailoverMode } from '../cluster/index.js';
import type { OwnershipRecord } from '../store/ownership-repo.js';
import type { AddressPlan } from './address-plan.js';
import { addressHealth, describePlacement, planAddresses } from './address-plan.js';
import type { ClusterEventSink } from './cluster-events.js';
import type { ControllerChannel } from './ipc/endpoint.js';

/** What the address plan needs to know of the supervisor. */
export interface AddressDeps {
  ha: HaConfig;
  /** A controller's state, ipFailover mode and ports whose link is down. */
  controller(name: string): { state: ControllerState; ipFailover: IpFailoverMode; portsDown: ReadonlySet<string> };
  live(): Array<{ name: string; channel: ControllerChannel }>;
  /** The channel to a running controller. */
  channel(name: string): ControllerChannel | undefined;
  ownership(): ReadonlyArray<Pick<OwnershipRecord, 'volumeId' | 'preferredOwner' | 'currentOwner'>>;
  policy(): Pick<ClusterPolicy, 'failback' | 'failbackDelayMs'>;
  event: ClusterEventSink;
  alerts: Pick<AlertService, 'raise' | 'clear'>;
  logger: Logger;
}

export interface ReconcileOptions {
  /** A controller about to be started: its addresses are released, nobody takes them. */
  starting?: string;
  /** A controller that just came online (it listens on its own ports only). */
  started?: string;
}

const key = (l: { host: string; port: number }) => `${l.host}:${l.port}`;
const sig = (ls: readonly PortalListener[]) => ls.map((l) => `${key(l)}/${l.tpgt}/${l.relativeTargetPortId}/${l.targetPortGroupId}`).sort().join(' ');

export class SupervisorAddresses {
  private chain: Promise<unknown> = Promise.resolve();
  /** What each live controller was last told to listen on (its own ports right after it starts). */
  private readonly sent = new Map<string, PortalListener[]>();
  /** Healthy controllers failed over by their ports → the peer that took them. */
  private readonly failedOver = new Map<string, string>();
  private readonly failbackTimers = new Map<string, NodeJS.Timeout>();
  private lastServed = new Map<string, string>();
  /** The served-address list each controller was last sent. */
  private readonly servedSent = new Map<string, string>();

  constructor(private readonly d: AddressDeps) {}

  /** The plan for the current state (pure; nothing is sent). */
  plan(opts: ReconcileOptions = {}): AddressPlan {
    return planAddresses(this.d.ha, (name) => {
      const c = this.d.controller(name);
      return { health: name === opts.starting ? 'reserved' : addressHealth(c.state), ipFailover: c.ipFailover, portsDown: c.portsDown };
    });
  }

  /** A controller process (re)started: it listens on its own ports, nothing else. */
  controllerStarted(name: string): void {
    const c = this.d.ha.controllers.find((x) => x.name === name);
    if (!c) return;
    this.servedSent.delete(name); // a new process knows nothing yet
    this.sent.set(name, c.ports.map((p) => ({ host: p.host, port: p.port, tpgt: p.tpgt, relativeTargetPortId: p.relativeTargetPortId, targetPortGroupId: p.targetPortGroupId, homeController: name, homePort: p.name })));
  }

  /** Computes the plan and applies it to every live controller; never rejects. */
  reconcile(why: string, opts: ReconcileOptions = {}): Promise<AddressPlan> {
    const run = this.chain.then(() => this.apply(why, opts));
    this.chain = run.catch(() => undefined);
    return run.catch((err: Error) => {
      this.d.logger.error({ err, why }, 'address reconcile failed');
      return this.plan(opts);
    });
  }

  private async apply(why: string, opts: ReconcileOptions): Promise<AddressPlan> {
    if (opts.started) this.controllerStarted(opts.started);
    const plan = this.plan(opts);
    const live = this.d.live().map((s) => s.name);
    for (const name of [...this.sent.keys()]) if (!live.includes(name)) this.sent.delete(name);
    // Phase 1: every controller drops what it loses (an address moving from P to Q must be
    // released by P before Q can listen on it). Phase 2: everyone gets the full list.
    const settled = new Set<string>();
    // Every address somebody serves: what SendTargets lists (an unserved address is not offered).
    const served = plan.placements.filter((p) => p.servedBy).map((p) => p.address);
    await Promise.all(live.map(async (name) => {
      const want = new Set(plan.listeners[name]!.map(key));
      const before = this.sent.get(name);
      if (!before) return;
      const keep = before.filter((l) => want.has(key(l)));
      if (keep.length !== before.length) await this.send(name, keep, why, served);
      if (sig(keep) === sig(plan.listeners[name]!) && this.sent.has(name)) settled.add(name);
    }));
    const errors: string[] = [];
    await Promise.all(live.map(async (name) => {
      if (settled.has(name) && this.servedSent.get(name) === served.join(' ')) return;
      const r = await this.send(name, plan.listeners[name]!, why, served);
      if (r) errors.push(...r.errors.map((e) => `controller ${name}: ${e}`));
    }));
    this.recordMoves(plan, why, errors);
    await this.portFailover(plan, why);
    this.portAlerts(plan);
    return plan;
  }

  /** The alert text now open per port whose link is down ("port-link-down:A1"). */
  private readonly portAlertOpen = new Map<string, string>();

  /**
   * A port whose link is down is an alert of its own while its controller has not failed
   * over for it (then 'controller-port-failover' says it): a warning while its address is
   * served elsewhere, an error when nobody serves it (ipFailover none: hosts lost that
   * path). It clears when the link is up again.
   */
  private portAlerts(plan: AddressPlan): void {
    const d = this.d;
    for (const c of d.ha.controllers) {
      const facts = d.controller(c.name);
      for (const p of c.ports) {
        const id = alertId('port-link-down', p.name);
        const place = plan.placements.find((x) => x.homePort === p.name);
        const want = facts.portsDown.has(p.name) && !plan.portFailedOver.includes(c.name) && place
          ? `port ${p.name} of controller ${c.name} link down: ${place.servedBy ? `its address ${place.address} is served by port ${place.servedBy.port}` : `its address ${place.address} is not served (ipFailover ${facts.ipFailover}): hosts have lost that path`}`
          : undefined;
        const open = this.portAlertOpen.get(p.name);
        if (open === want) continue;
        if (open !== undefined) d.alerts.clear(id, 'supervisor');
        if (want === undefined) {
          this.portAlertOpen.delete(p.name);
          continue;
        }
        d.alerts.raise(id, { severity: place?.servedBy ? 'warning' : 'error', short: want, action: alertAction(id) }, 'supervisor');
        this.portAlertOpen.set(p.name, want);
      }
    }
  }

  private async send(name: string, listeners: PortalListener[], why: string, served?: string[]): Promise<ListenersResult | undefined> {
    const channel = this.d.channel(name);
    if (!channel) return undefined;
    try {
      const r = await channel.request('listeners', { listeners, why, ...(served ? { served } : {}) });
      // Unknown state after a failed change: the next reconciliation sends the full list.
      if (r.errors.length === 0) this.sent.set(name, listeners);
      if (served) this.servedSent.set(name, served.join(' '));
      else this.sent.delete(name);
      return r;
    } catch (err) {
      this.d.logger.error({ err, controller: name }, 'listeners request failed');
      this.sent.delete(name);
      return { listening: [], added: [], removed: [], errors: [(err as Error).message] };
    }
  }

  private recordMoves(plan: AddressPlan, why: string, errors: string[]): void {
    const now = new Map(plan.placements.map((p) => [p.homePort, p.servedBy ? `${p.servedBy.controller}/${p.servedBy.port}` : 'nobody']));
    // A controller coming up on its own addresses is not news ('controller X online' says it).
    const changed = plan.placements.filter((p) => this.lastServed.size > 0 && this.lastServed.get(p.homePort) !== now.get(p.homePort)
      && !(p.reason === 'home' && this.lastServed.get(p.homePort) === 'nobody'));
    this.lastServed = now;
    if (changed.length > 0) {
      const away = changed.some((p) => p.reason !== 'home');
      this.d.event(away ? 'warning' : 'info', `addresses moved (${why}): ${changed.map(describePlacement).join('; ')}`);
    }
    if (errors.length > 0) this.d.event('error', `address failover incomplete (${why})`, 'supervisor', errors.join('\n'));
  }

  private async portFailover(plan: AddressPlan, why: string): Promise<void> {
    const d = this.d;
    for (const name of plan.portFailedOver) {
      const c = d.controller(name);
      const peer = plan.placements.find((p) => p.homeController === name && p.servedBy)?.servedBy?.controller;
      const peerChannel = peer ? d.channel(peer) : undefined;
      if (!peer || !peerChannel) continue;
      const t = this.failbackTimers.get(name);
      if (t) { clearTimeout(t); this.failbackTimers.delete(name); }
      if (this.failedOver.get(name) !== peer) {
        this.failedOver.set(name, peer);
        const ports = d.ha.controllers.find((x) => x.name === name)?.ports ?? [];
        const down = ports.filter((p) => c.portsDown.has(p.name)).map((p) => p.name);
        const cause = `ipFailover ${c.ipFailover}, port${down.length > 1 ? 's' : ''} ${down.join(', ')} link down`;
        d.event('error', `controller ${name} failed over to ${peer}: ${cause}`, 'supervisor',
          `${why}. Every address of ${name} is served by ${peer} and ${peer} takes every volume ${name} owns; they return when the links of ${name} are back.`);
        d.alerts.clear(alertId('controller-failback-needed', name), 'supervisor');
        const id = alertId('controller-port-failover', name);
        d.alerts.raise(id, {
          short: `controller ${name} failed over to ${peer}: ${cause}`,
          long: `${name} is running but its iSCSI ports cannot serve hosts; ${peer} serves its addresses and volumes`,
          action: alertAction(id, down),
        }, 'supervisor');
      }
      for (const o of d.ownership()) {
        if (o.currentOwner !== name) continue;
        await peerChannel.request('trespass', { volumeId: o.volumeId, to: peer, reason: 'port-failure' })
          .catch((err: Error) => d.event('error', `volume ${o.volumeId} could not move from ${name} to ${peer}: ${err.message}`));
      }
    }
    for (const [name, peer] of [...this.failedOver]) {
      if (plan.portFailedOver.includes(name)) continue;
      this.failedOver.delete(name);
      d.alerts.clear(alertId('controller-port-failover', name), 'supervisor');
      if (d.controller(name).state !== 'online') continue; // died meanwhile: controller failure handling owns it
      const policy = d.policy();
      const auto = policy.failback === 'auto';
      d.event('info', `controller ${name} ports back: its addresses are home${auto ? `; its volumes return from ${peer} (failback auto)` : `; its volumes stay on ${peer} until failback`}`);
      if (auto) {
        const timer = setTimeout(() => { this.failbackTimers.delete(name); void this.failback(name); }, policy.failbackDelayMs);
        timer.unref();
        this.failbackTimers.set(name, timer);
      } else {
        this.failbackNeeded(name, 'a port failover');
      }
    }
    this.ownershipChanged();
  }

  /**
   * A controller is back (from a port failover, or enabled after a failure) and the
   * failback policy is manual: while volumes that prefer it are owned elsewhere, an
   * alert asks for `tandem controller failback NAME`. It clears when they are home
   * (ownershipChanged).
   */
  failbackNeeded(name: string, after: string): void {
    const away = this.d.ownership().filter((o) => o.preferredOwner === name && o.currentOwner !== name);
    if (away.length === 0 || this.d.policy().failback !== 'manual') return;
    const where = [...new Set(away.map((o) => o.currentOwner))].join(', ');
    const id = alertId('controller-failback-needed', name);
    this.d.alerts.raise(id, {
      severity: 'warning',
      short: `controller ${name} is back from ${after}; its volumes are still on ${where}`,
      action: alertAction(id),
    }, 'supervisor');
  }

  /** Ownership changed (a move ended, a trespass was requested): a failback alert whose volumes are all home clears. */
  ownershipChanged(): void {
    for (const c of this.d.ha.controllers) {
      const name = c.name;
      if (!this.failedOver.has(name) && this.awayFrom(name).length === 0) this.d.alerts.clear(alertId('controller-failback-needed', name), 'supervisor');
    }
  }

  /** Volume ids that prefer `name` but are owned elsewhere. */
  private awayFrom(name: string): string[] {
    return this.d.ownership().filter((o) => o.preferredOwner === name && o.currentOwner !== name).map((o) => o.volumeId);
  }

  private async failback(name: string): Promise<void> {
    const channel = this.d.channel(name);
    if (!channel || this.d.controller(name).state !== 'online' || this.failedOver.has(name)) return;
    for (const id of this.awayFrom(name)) {
      await channel.request('trespass', { volumeId: id, to: name, reason: 'port-repair' })
        .catch((err: Error) => this.d.event('error', `failback of volume ${id} to ${name} failed: ${err.message}`));
    }
  }

  /** Stops pending failback timers (array stopping). */
  close(): void {
    for (const t of this.failbackTimers.values()) clearTimeout(t);
    this.failbackTimers.clear();
  }
}
