/**
 * The real ClusterControl (src/cluster/cluster-control.ts) of `tandem up --controllers 2`:
 * the operator surface over the supervisor and its controller processes. Ownership
 * changes run inside a live controller (store compare-and-set, peer notified, UA 2Ah/06h
 * on both).
 */
import { portByName, type HaConfig } from '../config/ha-config.js';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors.js';
import {
  checkIpFailover, type ClusterControl, type ClusterPolicy, type ControllerInfo, type FaultRequest, type IpFailoverMode, type OwnershipView,
} from '../cluster/index.js';
import type { Store } from '../store/index.js';
import { describePlacement, servedByPort, type AddressPlan } from './address-plan.js';
import type { ReconcileOptions } from './addresses.js';
import type { ClusterEventSink } from './cluster-events.js';
import type { ControllerSnapshot, Controllers } from './supervisor.js';
import type { ClusterSettings } from './settings.js';

export interface ClusterControlDeps {
  ha: HaConfig;
  store: Pick<Store, 'volumes' | 'ownership' | 'leases'>;
  controllers: Controllers;
  addresses: { plan(): AddressPlan; reconcile(why: string, opts?: ReconcileOptions): Promise<AddressPlan>; ownershipChanged(): void };
  settings: Pick<ClusterSettings, 'policy' | 'setPolicy' | 'setIpFailover'>;
  event: ClusterEventSink;
}

export class SupervisorClusterControl implements ClusterControl {
  constructor(private readonly d: ClusterControlDeps) {}

  private slot(name: string): ControllerSnapshot {
    const s = this.d.controllers.snapshot(name);
    if (!s) throw new NotFoundError('controller', name);
    return s;
  }

  private volumeId(volumeName: string): string {
    const v = this.d.store.volumes.byName(volumeName);
    if (!v) throw new NotFoundError('volume', volumeName);
    return v.id;
  }

  /** Every live controller reloads the ownership rows (they changed in the store). */
  private async reloadEverywhere(): Promise<void> {
    await Promise.all(this.d.controllers.live().map((c) => c.channel.request('ownership-reload')));
  }

  listControllers(): ControllerInfo[] {
    const { store, controllers } = this.d;
    const names = new Map(store.volumes.list().map((v) => [v.id, v.name]));
    // servedBy: the port now listening on the address (address-plan.ts), e.g. "A1" or "B0".
    const plan = this.d.addresses.plan();
    const epochs = new Map(store.leases.list().map((l) => [l.name, l.epoch]));
    return this.d.ha.controllers.map((c) => {
      const s = controllers.snapshot(c.name)!;
      return {
        name: c.name,
        pid: s.pid,
        // A live controller whose ports failed it over serves no host: say so, not "online".
        state: s.state === 'online' && plan.portFailedOver.includes(c.name) ? 'failed-over' as const : s.state,
        ipFailover: s.ipFailover,
        ports: c.ports.map((p) => ({
          name: p.name, address: `${p.host}:${p.port}`, servedBy: servedByPort(plan, p.name), link: s.portsDown.has(p.name) ? 'down' as const : 'up' as const,
        })),
        volumesOwned: store.ownership.ownedBy(c.name).map((r) => names.get(r.volumeId) ?? r.volumeId).sort(),
        ...(epochs.has(c.name) ? { leaseEpoch: epochs.get(c.name)! } : {}),
      };
    });
  }

  async enableController(name: string, actor: string): Promise<void> {
    const s = this.slot(name);
    if (s.state === 'online' || s.state === 'starting') throw new ConflictError(`controller ${name} is already ${s.state}`);
    await this.d.controllers.enable(name, actor);
  }

  async disableController(name: string, actor: string): Promise<void> {
    const s = this.slot(name);
    if (s.state !== 'online') throw new ConflictError(`controller ${name} is ${s.state}, not online`);
    if (this.d.controllers.live().filter((x) => x.name !== name).length === 0) throw new ConflictError(`controller ${name} is the last one online: disabling it would stop all I/O`);
    await this.d.controllers.disable(name, actor);
  }

  volumeOwnership(volumeName: string): OwnershipView {
    const r = this.d.store.ownership.get(this.volumeId(volumeName));
    if (!r) throw new NotFoundError('volume ownership', volumeName);
    return { preferredOwner: r.preferredOwner, currentOwner: r.currentOwner, autoTrespass: r.autoTrespass, transitioning: this.d.controllers.isMoving(r.volumeId) };
  }

  async trespass(volumeName: string, to: string | undefined, actor: string): Promise<{ from: string; to: string }> {
    const id = this.volumeId(volumeName);
    const cur = this.volumeOwnership(volumeName);
    const target = to ?? this.d.controllers.names().find((n) => n !== cur.currentOwner)!;
    const ts = this.slot(target);
    if (cur.currentOwner === target) return { from: target, to: target }; // nothing to do: the CLI says "already owned"
    const channel = ts.state === 'online' ? this.d.controllers.channel(target) : undefined;
    if (!channel) throw new ConflictError(`cannot trespass ${volumeName} to controller ${target}: it is ${ts.state}`);
    try {
      await channel.request('trespass', { volumeId: id, to: target, reason: 'manual' });
    } catch (err) {
      // The controller refused (peer link down, a move under way, fenced): a state conflict.
      throw new ConflictError(`cannot trespass ${volumeName} to controller ${target}: ${(err as Error).message}`);
    }
    this.d.event('info', `trespass of ${volumeName} to ${target} requested by ${actor}`, actor);
    // A failback alert whose volumes are all home now is over (e.g. tandem controller failback).
    this.d.addresses.ownershipChanged();
    return { from: cur.currentOwner, to: target };
  }

  async moveVolume(volumeName: string, to: string, actor: string): Promise<void> {
    const id = this.volumeId(volumeName);
    this.slot(to);
    this.d.store.ownership.setPreferredOwner(id, to, Date.now());
    this.d.event('info', `volume ${volumeName} preferred owner set to ${to} by ${actor}`, actor);
    if (this.volumeOwnership(volumeName).currentOwner !== to) await this.trespass(volumeName, to, actor);
    else await this.reloadEverywhere();
  }

  async setAutoTrespass(volumeName: string, on: boolean, actor: string): Promise<void> {
    this.d.store.ownership.setAutoTrespass(this.volumeId(volumeName), on, Date.now());
    await this.reloadEverywhere();
    this.d.event('info', `volume ${volumeName} auto-trespass ${on ? 'on' : 'off'} (by ${actor})`, actor);
  }

  async fault(req: FaultRequest, actor: string): Promise<string> {
    const { controllers } = this.d;
    let what: string;
    switch (req.kind) {
      case 'kill-controller': {
        const s = this.slot(req.controller);
        if (!controllers.signal(req.controller, 'SIGKILL')) throw new ConflictError(`controller ${req.controller} is not running`);
        what = `controller ${req.controller} (pid ${s.pid}) killed with SIGKILL`;
        break;
      }
      case 'hang-controller': {
        const s = this.slot(req.controller);
        if (s.pid === null || s.state !== 'online') throw new ConflictError(`controller ${req.controller} is ${s.state}: only a running controller can hang`);
        controllers.signal(req.controller, 'SIGSTOP');
        what = `controller ${req.controller} (pid ${s.pid}) stopped with SIGSTOP: it hangs until its peer has it fenced`;
        break;
      }
      case 'port-down':
      case 'port-up': {
        // A link state change (DS300 "Link down (such as a pulled cable)"): the supervisor
        // re-plans every address and tells the controllers (address-plan.ts).
        const p = portByName(this.d.ha, req.port);
        if (!p) throw new NotFoundError('port', req.port);
        const name = p.controller.name;
        this.slot(name);
        const down = req.kind === 'port-down';
        if (!controllers.setPortDown(name, req.port, down)) throw new ConflictError(`port ${req.port} link is already ${down ? 'down' : 'up'}`);
        const plan = await this.d.addresses.reconcile(`port ${req.port} link ${down ? 'down' : 'up'}`);
        const mine = plan.placements.find((x) => x.homePort === req.port)!;
        const failed = plan.portFailedOver.includes(name) ? `; controller ${name} failed over (ipFailover ${this.slot(name).ipFailover})` : '';
        what = `port ${req.port} link ${down ? 'down' : 'up'}: ${describePlacement(mine)}${failed}`;
        break;
      }
      case 'peer-link-cut':
      case 'peer-link-restore':
        await Promise.all(controllers.live().map((c) => c.channel.request(req.kind === 'peer-link-cut' ? 'link-cut' : 'link-restore')));
        what = req.kind === 'peer-link-cut' ? 'peer link cut on every controller' : 'peer link restored';
        break;
      case 'backend-fail':
      case 'backend-repair': {
        const s = this.slot(req.controller);
        const channel = s.state === 'online' ? controllers.channel(req.controller) : undefined;
        if (!channel) throw new ConflictError(`controller ${req.controller} is ${s.state}`);
        const volumeId = req.volume ? this.volumeId(req.volume) : undefined;
        what = await channel.request(req.kind, volumeId !== undefined ? { volumeId } : {});
        break;
      }
      default:
        throw new ValidationError('unknown fault kind', 'kind');
    }
    this.d.event('warning', `fault injected by ${actor}: ${what}`, actor);
    return what;
  }

  async setIpFailover(name: string, mode: IpFailoverMode, actor: string): Promise<ControllerInfo> {
    const s = this.slot(name);
    checkIpFailover(mode);
    const before = s.ipFailover;
    this.d.settings.setIpFailover(name, mode);
    if (before !== mode) {
      this.d.event('info', `controller ${name} ipFailover changed from ${before} to ${mode} by ${actor}`, actor);
      await this.d.addresses.reconcile(`controller ${name} ipFailover ${mode}`);
    }
    return this.listControllers().find((c) => c.name === name)!;
  }

  policy(): ClusterPolicy {
    return { ...this.d.settings.policy() };
  }

  async setPolicy(p: Partial<ClusterPolicy>, actor: string): Promise<ClusterPolicy> {
    const policy = this.d.settings.setPolicy(p);
    await Promise.all(this.d.controllers.live().map((c) => c.channel.request('policy', { policy })));
    this.d.event('info', `cluster policy changed by ${actor}: ${JSON.stringify(p)}`, actor);
    return this.policy();
  }
}
