/**
 * The supervisor's half of port and controller address failover (DS300 "iSCSI Fail
 * over" and "ipfailover modes", seed 001; HA design "Port failures"). The supervisor
 * alone knows every port's link state (slot.portsDown) and every controller's health,
 * so it computes the address plan (address-plan.ts) and sends each live controller its
 * exact listener list (IPC 'listeners', controller-listeners.ts).
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
import type { AddressPlan, PortalListener } from './address-plan.js';
import { addressHealth, describePlacement, planAddresses } from './address-plan.js';
import type { ListenersResult } from './controller-listeners.js';
import type { Supervisor } from './supervisor.js';

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

  constructor(private readonly sup: Supervisor) {}

  /** The plan for the current state (pure; nothing is sent). */
  plan(opts: ReconcileOptions = {}): AddressPlan {
    return planAddresses(this.sup.ha, (name) => {
      const slot = this.sup.slots.get(name)!;
      return { health: name === opts.starting ? 'reserved' : addressHealth(slot.state), ipFailover: slot.cfg.ipFailover, portsDown: slot.portsDown };
    });
  }

  /** A controller process (re)started: it listens on its own ports, nothing else. */
  controllerStarted(name: string): void {
    const c = this.sup.ha.controllers.find((x) => x.name === name);
    if (!c) return;
    this.servedSent.delete(name); // a new process knows nothing yet
    this.sent.set(name, c.ports.map((p) => ({ host: p.host, port: p.port, tpgt: p.tpgt, relativeTargetPortId: p.relativeTargetPortId, targetPortGroupId: p.targetPortGroupId, homeController: name, homePort: p.name })));
  }

  /** Computes the plan and applies it to every live controller; never rejects. */
  reconcile(why: string, opts: ReconcileOptions = {}): Promise<AddressPlan> {
    const run = this.chain.then(() => this.apply(why, opts));
    this.chain = run.catch(() => undefined);
    return run.catch((err: Error) => {
      this.sup.logger.error({ err, why }, 'address reconcile failed');
      return this.plan(opts);
    });
  }

  private async apply(why: string, opts: ReconcileOptions): Promise<AddressPlan> {
    if (opts.started) this.controllerStarted(opts.started);
    const plan = this.plan(opts);
    const live = this.sup.live();
    for (const name of [...this.sent.keys()]) if (!live.some((s) => s.cfg.name === name)) this.sent.delete(name);
    // Phase 1: every controller drops what it loses (an address moving from P to Q must be
    // released by P before Q can listen on it). Phase 2: everyone gets the full list.
    const settled = new Set<string>();
    // Every address somebody serves: what SendTargets lists (an unserved address is not offered).
    const served = plan.placements.filter((p) => p.servedBy).map((p) => p.address);
    await Promise.all(live.map(async (s) => {
      const name = s.cfg.name;
      const want = new Set(plan.listeners[name]!.map(key));
      const before = this.sent.get(name);
      if (!before) return;
      const keep = before.filter((l) => want.has(key(l)));
      if (keep.length !== before.length) await this.send(name, keep, why, served);
      if (sig(keep) === sig(plan.listeners[name]!) && this.sent.has(name)) settled.add(name);
    }));
    const errors: string[] = [];
    await Promise.all(live.map(async (s) => {
      if (settled.has(s.cfg.name) && this.servedSent.get(s.cfg.name) === served.join(' ')) return;
      const r = await this.send(s.cfg.name, plan.listeners[s.cfg.name]!, why, served);
      if (r) errors.push(...r.errors.map((e) => `controller ${s.cfg.name}: ${e}`));
    }));
    this.recordMoves(plan, why, errors);
    await this.portFailover(plan, why);
    return plan;
  }

  private async send(name: string, listeners: PortalListener[], why: string, served?: string[]): Promise<ListenersResult | undefined> {
    const slot = this.sup.slots.get(name);
    if (!slot?.rpc) return undefined;
    try {
      const r = await slot.rpc.request<ListenersResult>('listeners', { listeners, why, ...(served ? { served } : {}) });
      // Unknown state after a failed change: the next reconciliation sends the full list.
      if (r.errors.length === 0) this.sent.set(name, listeners);
      if (served) this.servedSent.set(name, served.join(' '));
      else this.sent.delete(name);
      return r;
    } catch (err) {
      this.sup.logger.error({ err, controller: name }, 'listeners request failed');
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
      this.sup.event(away ? 'warning' : 'info', `addresses moved (${why}): ${changed.map(describePlacement).join('; ')}`);
    }
    if (errors.length > 0) this.sup.event('error', `address failover incomplete (${why})`, 'supervisor', errors.join('\n'));
  }

  private async portFailover(plan: AddressPlan, why: string): Promise<void> {
    for (const name of plan.portFailedOver) {
      const slot = this.sup.slots.get(name)!;
      const peer = plan.placements.find((p) => p.homeController === name && p.servedBy)?.servedBy?.controller;
      const peerSlot = peer ? this.sup.slots.get(peer) : undefined;
      if (!peer || !peerSlot?.rpc) continue;
      const t = this.failbackTimers.get(name);
      if (t) { clearTimeout(t); this.failbackTimers.delete(name); }
      if (this.failedOver.get(name) !== peer) {
        this.failedOver.set(name, peer);
        const down = slot.cfg.ports.filter((p) => slot.portsDown.has(p.name)).map((p) => p.name);
        const cause = `ipFailover ${slot.cfg.ipFailover}, port${down.length > 1 ? 's' : ''} ${down.join(', ')} link down`;
        this.sup.event('error', `controller ${name} failed over to ${peer}: ${cause}`, 'supervisor',
          `${why}. Every address of ${name} is served by ${peer} and ${peer} takes every volume ${name} owns; they return when the links of ${name} are back.`);
        this.sup.services.alerts.clear(`controller-failback-needed:${name}`, 'supervisor');
        this.sup.services.alerts.raise(`controller-port-failover:${name}`, {
          short: `controller ${name} failed over to ${peer}: ${cause}`,
          long: `${name} is running but its iSCSI ports cannot serve hosts; ${peer} serves its addresses and volumes`,
          action: `repair the link of port${down.length > 1 ? 's' : ''} ${down.join(', ')} (drill: tandem fault port-up PORT)`,
        }, 'supervisor');
      }
      for (const o of this.sup.store.ownership.list()) {
        if (o.currentOwner !== name) continue;
        await peerSlot.rpc.request('trespass', { volumeId: o.volumeId, to: peer, reason: 'port-failure' })
          .catch((err: Error) => this.sup.event('error', `volume ${o.volumeId} could not move from ${name} to ${peer}: ${err.message}`));
      }
    }
    for (const [name, peer] of [...this.failedOver]) {
      if (plan.portFailedOver.includes(name)) continue;
      this.failedOver.delete(name);
      this.sup.services.alerts.clear(`controller-port-failover:${name}`, 'supervisor');
      if (this.sup.slots.get(name)!.state !== 'online') continue; // died meanwhile: controller failure handling owns it
      const auto = this.sup.policy.failback === 'auto';
      this.sup.event('info', `controller ${name} ports back: its addresses are home${auto ? `; its volumes return from ${peer} (failback auto)` : `; its volumes stay on ${peer} until failback`}`);
      if (auto) {
        const timer = setTimeout(() => { this.failbackTimers.delete(name); void this.failback(name); }, this.sup.policy.failbackDelayMs);
        timer.unref();
        this.failbackTimers.set(name, timer);
      } else if (this.awayFrom(name).length > 0) {
        this.sup.services.alerts.raise(`controller-failback-needed:${name}`, {
          severity: 'warning',
          short: `controller ${name} is back from a port failover; its volumes are still on ${peer}`,
          action: `run: tandem controller failback ${name}`,
        }, 'supervisor');
      }
    }
    for (const name of this.sup.slots.keys()) {
      if (!this.failedOver.has(name) && this.awayFrom(name).length === 0) this.sup.services.alerts.clear(`controller-failback-needed:${name}`, 'supervisor');
    }
  }

  /** Volume ids that prefer `name` but are owned elsewhere. */
  private awayFrom(name: string): string[] {
    return this.sup.store.ownership.list().filter((o) => o.preferredOwner === name && o.currentOwner !== name).map((o) => o.volumeId);
  }

  private async failback(name: string): Promise<void> {
    const slot = this.sup.slots.get(name);
    if (!slot?.rpc || slot.state !== 'online' || this.failedOver.has(name)) return;
    for (const id of this.awayFrom(name)) {
      await slot.rpc.request('trespass', { volumeId: id, to: name, reason: 'port-repair' })
        .catch((err: Error) => this.sup.event('error', `failback of volume ${id} to ${name} failed: ${err.message}`));
    }
  }

  /** Stops pending failback timers (array stopping). */
  close(): void {
    for (const t of this.failbackTimers.values()) clearTimeout(t);
    this.failbackTimers.clear();
  }
}
