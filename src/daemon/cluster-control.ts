/**
 * The real ClusterControl (src/control/cluster.ts) of `tandem up --controllers 2`: the
 * operator surface over the supervisor and its controller processes. Ownership changes
 * run inside a live controller (store compare-and-set, peer notified, UA 2Ah/06h on both).
 */
import {
  ConflictError, NotFoundError, ValidationError,
} from '../lib/errors.js';
import {
  IP_FAILOVER_MODES, type ClusterControl, type ClusterPolicy, type ControllerInfo, type FaultRequest, type IpFailover, type VolumeOwnership,
} from '../management/cluster.js';
import { describePlacement, servedByPort } from './address-plan.js';
import { portByName } from '../config/ha-config.js';
import { IP_FAILOVER_KEY, POLICY_KEY } from './settings-keys.js';
import type { ControllerSlot, Supervisor } from './supervisor.js';

export class SupervisorClusterControl implements ClusterControl {
  constructor(private readonly sup: Supervisor) {}

  private slot(name: string): ControllerSlot {
    const s = this.sup.slots.get(name);
    if (!s) throw new NotFoundError('controller', name);
    return s;
  }

  private volumeId(volumeName: string): string {
    const v = this.sup.store.volumes.byName(volumeName);
    if (!v) throw new NotFoundError('volume', volumeName);
    return v.id;
  }

  listControllers(): ControllerInfo[] {
    const names = new Map(this.sup.store.volumes.list().map((v) => [v.id, v.name]));
    // servedBy: the port now listening on the address (address-plan.ts), e.g. "A1" or "B0".
    const plan = this.sup.addresses.plan();
    return [...this.sup.slots.values()].map((s) => {
      return {
        name: s.cfg.name,
        pid: s.proc?.pid ?? null,
        state: s.state,
        ipFailover: s.cfg.ipFailover,
        ports: s.cfg.ports.map((p) => ({
          name: p.name, address: `${p.host}:${p.port}`, servedBy: servedByPort(plan, p.name), link: s.portsDown.has(p.name) ? 'down' as const : 'up' as const,
        })),
        volumesOwned: this.sup.store.ownership.ownedBy(s.cfg.name).map((r) => names.get(r.volumeId) ?? r.volumeId).sort(),
      };
    });
  }

  async enableController(name: string, actor: string): Promise<void> {
    const s = this.slot(name);
    if (s.state === 'online' || s.state === 'starting') throw new ConflictError(`controller ${name} is already ${s.state}`);
    await this.sup.enable(name, actor);
  }

  async disableController(name: string, actor: string): Promise<void> {
    const s = this.slot(name);
    if (s.state !== 'online') throw new ConflictError(`controller ${name} is ${s.state}, not online`);
    if (this.sup.live().filter((x) => x !== s).length === 0) throw new ConflictError(`controller ${name} is the last one online: disabling it would stop all I/O`);
    await this.sup.disable(name, actor);
  }

  volumeOwnership(volumeName: string): VolumeOwnership {
    const r = this.sup.store.ownership.get(this.volumeId(volumeName));
    if (!r) throw new NotFoundError('volume ownership', volumeName);
    return { preferredOwner: r.preferredOwner, currentOwner: r.currentOwner, autoTrespass: r.autoTrespass, transitioning: this.sup.moving.has(r.volumeId) };
  }

  async trespass(volumeName: string, to: string | undefined, actor: string): Promise<{ from: string; to: string }> {
    const id = this.volumeId(volumeName);
    const cur = this.volumeOwnership(volumeName);
    const target = to ?? [...this.sup.slots.keys()].find((n) => n !== cur.currentOwner)!;
    const ts = this.slot(target);
    if (cur.currentOwner === target) return { from: target, to: target }; // nothing to do: the CLI says "already owned"
    if (ts.state !== 'online') throw new ConflictError(`cannot trespass ${volumeName} to controller ${target}: it is ${ts.state}`);
    try {
      await ts.rpc!.request('trespass', { volumeId: id, to: target, reason: 'manual' });
    } catch (err) {
      // The controller refused (peer link down, a move under way, fenced): a state conflict.
      throw new ConflictError(`cannot trespass ${volumeName} to controller ${target}: ${(err as Error).message}`);
    }
    this.sup.event('info', `trespass of ${volumeName} to ${target} requested by ${actor}`, actor);
    return { from: cur.currentOwner, to: target };
  }

  async moveVolume(volumeName: string, to: string, actor: string): Promise<void> {
    const id = this.volumeId(volumeName);
    this.slot(to);
    this.sup.store.ownership.setPreferredOwner(id, to, Date.now());
    this.sup.event('info', `volume ${volumeName} preferred owner set to ${to} by ${actor}`, actor);
    if (this.volumeOwnership(volumeName).currentOwner !== to) await this.trespass(volumeName, to, actor);
    else await Promise.all(this.sup.live().map((s) => s.rpc!.request('ownership-reload')));
  }

  async setAutoTrespass(volumeName: string, on: boolean, actor: string): Promise<void> {
    this.sup.store.ownership.setAutoTrespass(this.volumeId(volumeName), on, Date.now());
    await Promise.all(this.sup.live().map((s) => s.rpc!.request('ownership-reload')));
    this.sup.event('info', `volume ${volumeName} auto-trespass ${on ? 'on' : 'off'} (by ${actor})`, actor);
  }

  async fault(req: FaultRequest, actor: string): Promise<string> {
    let what: string;
    switch (req.kind) {
      case 'kill-controller': {
        const s = this.slot(req.controller);
        if (!s.proc) throw new ConflictError(`controller ${req.controller} is not running`);
        s.proc.kill('SIGKILL');
        what = `controller ${req.controller} (pid ${s.proc.pid}) killed with SIGKILL`;
        break;
      }
      case 'hang-controller': {
        const s = this.slot(req.controller);
        if (!s.proc || s.state !== 'online') throw new ConflictError(`controller ${req.controller} is ${s.state}: only a running controller can hang`);
        s.proc.kill('SIGSTOP');
        what = `controller ${req.controller} (pid ${s.proc.pid}) stopped with SIGSTOP: it hangs until its peer has it fenced`;
        break;
      }
      case 'port-down':
      case 'port-up': {
        // A link state change (DS300 "Link down (such as a pulled cable)"): the supervisor
        // re-plans every address and tells the controllers (address-plan.ts).
        const p = portByName(this.sup.ha, req.port);
        if (!p) throw new NotFoundError('port', req.port);
        const s = this.slot(p.controller.name);
        const down = req.kind === 'port-down';
        if (down === s.portsDown.has(req.port)) throw new ConflictError(`port ${req.port} link is already ${down ? 'down' : 'up'}`);
        if (down) s.portsDown.add(req.port);
        else s.portsDown.delete(req.port);
        const plan = await this.sup.addresses.reconcile(`port ${req.port} link ${down ? 'down' : 'up'}`);
        const mine = plan.placements.find((x) => x.homePort === req.port)!;
        const failed = plan.portFailedOver.includes(s.cfg.name) ? `; controller ${s.cfg.name} failed over (ipFailover ${s.cfg.ipFailover})` : '';
        what = `port ${req.port} link ${down ? 'down' : 'up'}: ${describePlacement(mine)}${failed}`;
        break;
      }
      case 'peer-link-cut':
      case 'peer-link-restore':
        await Promise.all(this.sup.live().map((s) => s.rpc!.request(req.kind === 'peer-link-cut' ? 'link-cut' : 'link-restore')));
        what = req.kind === 'peer-link-cut' ? 'peer link cut on every controller' : 'peer link restored';
        break;
      case 'backend-fail':
      case 'backend-repair': {
        const s = this.slot(req.controller);
        if (s.state !== 'online') throw new ConflictError(`controller ${req.controller} is ${s.state}`);
        const volumeId = req.volume ? this.volumeId(req.volume) : undefined;
        what = await s.rpc!.request<string>(req.kind, { volumeId });
        break;
      }
      default:
        throw new ValidationError('unknown fault kind', 'kind');
    }
    this.sup.event('warning', `fault injected by ${actor}: ${what}`, actor);
    return what;
  }

  async setIpFailover(name: string, mode: IpFailover, actor: string): Promise<ControllerInfo> {
    const s = this.slot(name);
    if (!IP_FAILOVER_MODES.includes(mode)) {
      throw new ValidationError(`ipFailover must be one of ${IP_FAILOVER_MODES.join(', ')} (got ${JSON.stringify(mode)})`, 'ipFailover');
    }
    const before = s.cfg.ipFailover;
    s.cfg.ipFailover = mode; // the supervisor's in-memory HaConfig (slot.cfg is its controller entry)
    this.sup.store.settings.set(IP_FAILOVER_KEY, { ...(this.sup.store.settings.get<object>(IP_FAILOVER_KEY) ?? {}), [name]: mode });
    if (before !== mode) {
      this.sup.event('info', `controller ${name} ipFailover changed from ${before} to ${mode} by ${actor}`, actor);
      await this.sup.addresses.reconcile(`controller ${name} ipFailover ${mode}`);
    }
    return this.listControllers().find((c) => c.name === name)!;
  }

  policy(): ClusterPolicy {
    return { ...this.sup.policy };
  }

  async setPolicy(p: Partial<ClusterPolicy>, actor: string): Promise<ClusterPolicy> {
    this.sup.policy = { ...this.sup.policy, ...p };
    this.sup.store.settings.set(POLICY_KEY, { ...(this.sup.store.settings.get<object>(POLICY_KEY) ?? {}), ...p });
    await Promise.all(this.sup.live().map((s) => s.rpc!.request('policy', { policy: this.sup.policy })));
    this.sup.event('info', `cluster policy changed by ${actor}: ${JSON.stringify(p)}`, actor);
    return this.policy();
  }
}
