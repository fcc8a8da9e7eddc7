/**
 * An in-memory ClusterControl for tests of the API and CLI: two controllers (A, B)
 * with two ports each, volume ownership, a policy, and faults that change the state
 * the way the HA runtime would (coarsely). It decides conflicts like the runtime:
 * a failed, disabled or fenced controller takes no volumes; the last serving
 * controller cannot be disabled or killed.
 */
import {
  DEFAULT_CLUSTER_POLICY, type ClusterControl, type ClusterPolicy, type ControllerInfo, type ControllerPortInfo,
  type FaultRequest, type IpFailoverMode, type OwnershipView,
} from '../../cluster/index.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import type { AlertService } from '../alerts.js';

interface FakeController {
  name: string;
  pid: number | null;
  state: ControllerInfo['state'];
  ports: ControllerPortInfo[];
  ipFailover: ControllerInfo['ipFailover'];
  backendFailed: boolean;
}

export interface FakeClusterOptions {
  /** Controller names (default A, B); ports are <name>0 and <name>1. */
  controllers?: string[];
  /** When given, kill-controller raises and enable clears "controller-failed:<name>". */
  alerts?: AlertService;
}

export class FakeClusterControl implements ClusterControl {
  readonly calls: string[] = [];
  peerLinkUp = true;
  private readonly ctrls = new Map<string, FakeController>();
  private readonly owners = new Map<string, { -readonly [K in keyof OwnershipView]: OwnershipView[K] }>();
  private pol: ClusterPolicy = { ...DEFAULT_CLUSTER_POLICY };
  private nextPid = 1000;

  constructor(private readonly opts: FakeClusterOptions = {}) {
    (opts.controllers ?? ['A', 'B']).forEach((name, i) => {
      this.ctrls.set(name, {
        name, pid: this.nextPid++, state: 'online', ipFailover: 'both', backendFailed: false,
        ports: [0, 1].map((p) => ({ name: `${name}${p}`, address: `127.0.${i + 1}.${p + 1}:3260`, servedBy: name, link: 'up' as const })),
      });
    });
  }

  /** Records a volume with its owner (otherwise it is created on first use with the less loaded preferred owner). */
  addVolume(name: string, owner: string, autoTrespass = false): void {
    this.owners.set(name, { preferredOwner: owner, currentOwner: owner, autoTrespass, transitioning: false });
  }

  /** Sets a controller's state directly (e.g. to test a 409). */
  setState(name: string, state: ControllerInfo['state']): void {
    this.ctrl(name).state = state;
  }

  private ctrl(name: string): FakeController {
    const c = this.ctrls.get(name);
    if (!c) throw new NotFoundError('controller', name);
    return c;
  }

  private other(name: string): FakeController | undefined {
    return [...this.ctrls.values()].find((c) => c.name !== name && c.state === 'online');
  }

  private requireOnline(c: FakeController, why: string): void {
    if (c.state !== 'online') {
      throw new ConflictError(`controller ${c.name} is ${c.state}: it cannot ${why}. Bring it back first: tandem controller enable ${c.name}`);
    }
  }

  /** Moves everything controller `c` serves to a survivor (takeover). */
  private takeOver(c: FakeController): string | undefined {
    const s = this.other(c.name);
    if (!s) return undefined;
    for (const o of this.owners.values()) if (o.currentOwner === c.name) o.currentOwner = s.name;
    if (c.ipFailover !== 'none') for (const p of c.ports) p.servedBy = s.name;
    return s.name;
  }

  listControllers(): ControllerInfo[] {
    return [...this.ctrls.values()].map((c) => ({
      name: c.name, pid: c.pid, state: c.state, ipFailover: c.ipFailover, ports: c.ports.map((p) => ({ ...p })),
      volumesOwned: [...this.owners.entries()].filter(([, o]) => o.currentOwner === c.name).map(([v]) => v).sort(),
    }));
  }

  async enableController(name: string, actor: string): Promise<void> {
    const c = this.ctrl(name);
    this.calls.push(`enable ${name} by ${actor}`);
    if (c.state === 'online') return;
    c.state = 'online';
    c.pid = this.nextPid++;
    for (const p of c.ports) { p.servedBy = name; p.link = 'up'; }
    this.opts.alerts?.clear(`controller-failed:${name}`, actor);
    if (this.pol.failback === 'auto') {
      for (const o of this.owners.values()) if (o.preferredOwner === name) o.currentOwner = name;
    }
  }

  async disableController(name: string, actor: string): Promise<void> {
    const c = this.ctrl(name);
    this.calls.push(`disable ${name} by ${actor}`);
    if (c.state === 'disabled') return;
    if (!this.other(name)) throw new ConflictError(`disabling controller ${name} would leave no controller serving the volumes: enable its peer first`);
    c.state = 'disabled';
    c.pid = null;
    this.takeOver(c);
  }

  volumeOwnership(volumeName: string): OwnershipView {
    let o = this.owners.get(volumeName);
    if (!o) {
      const load = (n: string) => [...this.owners.values()].filter((x) => x.preferredOwner === n).length;
      const owner = [...this.ctrls.keys()].sort((a, b) => load(a) - load(b))[0]!;
      o = { preferredOwner: owner, currentOwner: owner, autoTrespass: false, transitioning: false };
      this.owners.set(volumeName, o);
    }
    return { ...o };
  }

  async trespass(volumeName: string, to: string | undefined, actor: string): Promise<{ from: string; to: string }> {
    const o = this.volumeOwnership(volumeName);
    let target: FakeController;
    if (to !== undefined) target = this.ctrl(to);
    else {
      const t = [...this.ctrls.values()].find((c) => c.name !== o.currentOwner);
      if (!t) throw new ConflictError(`volume ${volumeName} has no other controller to trespass to`);
      target = t;
    }
    this.requireOnline(target, `take volume ${volumeName}`);
    if (target.backendFailed) throw new ConflictError(`controller ${target.name} has no access to the back end: it cannot take volume ${volumeName}`);
    this.calls.push(`trespass ${volumeName} ${o.currentOwner}->${target.name} by ${actor}`);
    this.owners.set(volumeName, { ...o, currentOwner: target.name });
    return { from: o.currentOwner, to: target.name };
  }

  async moveVolume(volumeName: string, to: string, actor: string): Promise<void> {
    const o = this.volumeOwnership(volumeName);
    const target = this.ctrl(to);
    this.requireOnline(target, `become the preferred owner of volume ${volumeName}`);
    this.calls.push(`move ${volumeName} ${o.preferredOwner}->${to} by ${actor}`);
    this.owners.set(volumeName, { ...o, preferredOwner: to, currentOwner: to });
  }

  async setAutoTrespass(volumeName: string, on: boolean, actor: string): Promise<void> {
    const o = this.volumeOwnership(volumeName);
    this.calls.push(`auto-trespass ${volumeName} ${on ? 'on' : 'off'} by ${actor}`);
    this.owners.set(volumeName, { ...o, autoTrespass: on });
  }

  private port(name: string): { c: FakeController; p: ControllerPortInfo } {
    for (const c of this.ctrls.values()) {
      const p = c.ports.find((x) => x.name === name);
      if (p) return { c, p };
    }
    throw new NotFoundError('port', name);
  }

  async fault(req: FaultRequest, actor: string): Promise<string> {
    this.calls.push(`fault ${JSON.stringify(req)} by ${actor}`);
    switch (req.kind) {
      case 'kill-controller': case 'hang-controller': {
        const c = this.ctrl(req.controller);
        if (c.pid === null) throw new ConflictError(`controller ${c.name} is not running (${c.state}): there is nothing to kill`);
        const pid = c.pid;
        c.state = 'failed';
        c.pid = null;
        const s = this.takeOver(c);
        this.opts.alerts?.raise(`controller-failed:${c.name}`, {
          short: `controller ${c.name} failed: waiting for operator enable`,
          action: `find the cause in the event log, then run: tandem controller enable ${c.name}`,
        }, actor);
        return `controller ${c.name} ${req.kind === 'kill-controller' ? 'killed (SIGKILL' : 'hung (SIGSTOP, then fenced'} to pid ${pid})${s ? `; ${s} took over its volumes and addresses` : ''}`;
      }
      case 'port-down': case 'port-up': {
        const { c, p } = this.port(req.port);
        p.link = req.kind === 'port-down' ? 'down' : 'up';
        p.servedBy = p.link === 'up' ? c.name : c.ipFailover === 'none' ? null : c.name;
        return `port ${p.name} (${p.address}) link ${p.link}`;
      }
      case 'peer-link-cut': case 'peer-link-restore':
        this.peerLinkUp = req.kind === 'peer-link-restore';
        return `peer link ${this.peerLinkUp ? 'restored' : 'cut'}`;
      case 'backend-fail': case 'backend-repair': {
        const c = this.ctrl(req.controller);
        if (req.volume !== undefined) this.volumeOwnership(req.volume);
        c.backendFailed = req.kind === 'backend-fail';
        const s = this.other(c.name);
        for (const [v, o] of this.owners) {
          if (req.volume !== undefined && v !== req.volume) continue;
          if (c.backendFailed && o.currentOwner === c.name && s) o.currentOwner = s.name;
          if (!c.backendFailed && o.preferredOwner === c.name) o.currentOwner = c.name;
        }
        return `back end of controller ${c.name}${req.volume !== undefined ? ` for volume ${req.volume}` : ''} ${c.backendFailed ? 'failed' : 'repaired'}`;
      }
    }
  }

  policy(): ClusterPolicy {
    return { ...this.pol };
  }

  async setPolicy(p: Partial<ClusterPolicy>, actor: string): Promise<ClusterPolicy> {
    this.calls.push(`policy ${JSON.stringify(p)} by ${actor}`);
    this.pol = { ...this.pol, ...p };
    return this.policy();
  }

  async setIpFailover(name: string, mode: IpFailoverMode, actor: string): Promise<ControllerInfo> {
    const c = this.ctrl(name);
    this.calls.push(`ipFailover ${name} ${mode} by ${actor}`);
    c.ipFailover = mode;
    return this.listControllers().find((x) => x.name === name)!;
  }
}
