/**
 * One controller of a dual-controller array (HA design "Processes", "Forwarding",
 * "Failure detection, fencing, takeover"), its composition root: the shared store, every
 * volume file, a ScsiTarget with the HaRouter, an IscsiTarget on the portals the
 * supervisor's address plan gives it, the authenticated peer link (peer-service.ts:
 * forwarding, PR mirroring, UA broadcast, resets), ownership moves with an ALUA
 * transition (ownership-mover.ts), the controller lease, the failover machine
 * (controller-failover.ts: heartbeat loss, fencing, takeover, failback) and back-end
 * faults (backend-faults.ts). Driven by the supervisor over IPC; see controller-main.ts.
 */
import { loadFsNative } from '../block/native.js';
import { AccessResolver } from '../management/access.js';
import type { ClusterPolicy } from '../management/cluster.js';
import {
  isFailoverMode, loadOrCreatePeerSecret, modelFromRecords, PeerLink,
  type ControllerHealth, type FailoverRunner, type TrespassReason, type VolumeOwnership,
} from '../controller/index.js';
import { IscsiTarget } from '../iscsi/target/iscsi-target.js';
import type { Logger } from '../lib/logger.js';
import { ScsiTarget, type LogicalUnit } from '../scsi/index.js';
import type { ItNexus, ScsiTargetPort } from '../scsi/types.js';
import { Store } from '../store/index.js';
import type { VolumeRecord } from '../store/records.js';
import { ArrayDataPlane, type ServedPortal } from './array-data-plane.js';
import { startFailover } from './controller-failover.js';
import { OwnershipMover } from './ownership-mover.js';
import { PeerService } from './peer-service.js';
import { BackendFaults } from './backend-faults.js';
import type { ControllerInit, HaControllerConfig } from '../config/ha-config.js';
import type { PortalListener } from './address-plan.js';
import { hostedControllers, reconcileListeners, type ListenersResult } from './controller-listeners.js';

export type { ControllerInit } from '../config/ha-config.js';
import { HaRouter } from './ha-router.js';
import type { IpcRpc } from './ipc-rpc.js';
import { presentSessions } from './sessions.js';
import { backendDevice } from './failing-device.js';
import { VolumeRuntime } from './volume-runtime.js';

export interface ControllerEvent { severity: 'info' | 'warning' | 'error'; short: string; long?: string }

export class ControllerRuntime {
  readonly self: string;
  private readonly me: HaControllerConfig;
  private readonly peer: HaControllerConfig;
  private readonly store: Store;
  private readonly health = new Map<string, ControllerHealth>();
  private owners = new Map<string, VolumeOwnership>();
  private readonly hosted = new Set<string>();
  private readonly backend: BackendFaults;
  private readonly luIds = new WeakMap<LogicalUnit, string>();
  private policy: ClusterPolicy;
  private leaseEpoch = 0;
  private timers: NodeJS.Timeout[] = [];
  private readonly volumes: VolumeRuntime;
  private readonly access: AccessResolver;
  private readonly dataPlane: ArrayDataPlane;
  private readonly router: HaRouter;
  private readonly scsi: ScsiTarget;
  readonly iscsi: IscsiTarget;
  readonly link: PeerLink;
  private readonly allPorts: ServedPortal[];
  private readonly mover: OwnershipMover;
  /** Addresses served by some controller (the supervisor's plan): SendTargets offers only these. */
  private served: Set<string> | undefined;
  private readonly peerSvc: PeerService;
  private failover: { runner: FailoverRunner; stop(): void } | undefined;

  private constructor(private readonly init: ControllerInit, private readonly rpc: IpcRpc, private readonly logger: Logger) {
    this.self = init.self;
    this.policy = init.policy;
    this.me = init.ha.controllers.find((c) => c.name === init.self)!;
    this.peer = init.ha.controllers.find((c) => c.name !== init.self)!;
    // Store calls block the event loop while they wait for a lock: keep the wait short (every
    // transaction is tiny; a longer wait means a stalled holder, which fencing removes).
    this.store = Store.open(init.dataDir, { busyTimeoutMs: 1000 });
    this.health.set(this.self, 'online');
    for (const [n, h] of Object.entries(init.peers)) this.health.set(n, h);
    this.allPorts = init.ha.controllers.flatMap((c) => c.ports.map((p) => ({ host: p.host, port: p.port, tpgt: p.tpgt, relativeTargetPortId: p.relativeTargetPortId, targetPortGroupId: p.targetPortGroupId })));
    const iqn = this.store.identity.targetIqn;
    this.access = new AccessResolver(this.store);
    this.volumes = new VolumeRuntime(this.store, loadFsNative({ logger }), logger, {
      wrapDevice: (v, d) => backendDevice(d, { injected: () => this.backend.isInjected(v.id), onError: (err) => this.backend.detected(v.id, err, d) }),
      prPersisted: (v, s) => this.peerSvc.mirrorPr(v.id, s),
      luOptions: (v) => ({
        onUnitAttentionBroadcast: (reason, except, only) => this.peerSvc.broadcastUa(v.id, reason, except, only),
        onTasksAborted: (nexusIds) => this.peerSvc.abortOnPeer(v.id, nexusIds),
      }),
    });
    this.dataPlane = new ArrayDataPlane(this.volumes, iqn, this.allPorts);
    this.router = new HaRouter({
      self: this.self,
      groups: init.ha.controllers.map((c) => ({ controller: c.name, tpgId: c.index, relativePortIds: c.ports.map((p) => p.relativeTargetPortId) })),
      volumeIdOf: (lu) => this.luIds.get(lu),
      ownership: (id) => {
        const o = this.owners.get(id);
        return o && this.mover.moving.has(id) ? { ...o, transitioning: true } : o;
      },
      health: (id) => this.healthMap(id),
      peerLinkUp: () => this.link.isUp,
      hosted: () => this.hosted,
      nonOwnerState: () => this.policy.nonOwnerState,
      failoverModeOf: (initiator) => {
        const m = this.access.hostOf(initiator)?.failoverMode;
        return isFailoverMode(m) ? m : this.policy.defaultFailoverMode;
      },
      forward: (id, cmd, counted) => this.peerSvc.forward(id, cmd, counted),
      trespass: async (id, to, reason, except) => { await this.mover.trespass(id, to, reason, except ? { exceptNexusId: except } : {}); },
    }, init.policy.aluaTrespassThreshold);
    this.scsi = new ScsiTarget({
      access: this.dataPlane,
      router: this.router,
      ports: this.allPorts.map((p) => ({ relativeTargetPortId: p.relativeTargetPortId, targetPortGroupId: p.targetPortGroupId, name: `${iqn},t,0x${p.tpgt.toString(16).padStart(4, '0')}` })),
      logger: logger.child({ layer: 'scsi' }),
      onLuReset: async (lu) => {
        const id = this.luIds.get(lu);
        if (id) await this.peerSvc.luReset(id);
      },
    });
    const port: ScsiTargetPort = {
      execute: (cmd) => this.scsi.execute(cmd),
      taskManagement: (req) => this.scsi.taskManagement(req),
      lunsFor: (n) => this.scsi.lunsFor(n),
      nexusCreated: (n: ItNexus) => { this.dataPlane.nexusCreated(n); this.scsi.nexusCreated(n); },
      nexusLost: (n: ItNexus) => { this.dataPlane.nexusLost(n); this.scsi.nexusLost(n); },
    };
    this.iscsi = new IscsiTarget({
      targetName: iqn,
      portals: this.me.ports.map((p) => ({ host: p.host, port: p.port, tpgt: p.tpgt, relativeTargetPortId: p.relativeTargetPortId, targetPortGroupId: p.targetPortGroupId })),
      scsi: port,
      auth: this.dataPlane,
      advertise: () => (this.served ? this.allPorts.filter((p) => this.served!.has(`${p.host}:${p.port}`)) : this.allPorts),
      nopInterval: init.nopIntervalMs,
      nopTimeout: init.nopTimeoutMs,
      logger: logger.child({ layer: 'iscsi' }),
    });
    this.dataPlane.bind(this.access, () => presentSessions(this.iscsi.listSessions()));
    const isA = this.me.index < this.peer.index;
    this.link = new PeerLink({
      self: this.self,
      peer: this.peer.name,
      secret: loadOrCreatePeerSecret(init.dataDir),
      ...(isA ? { listen: { host: '127.0.0.1', port: init.peerLinkPort } } : { connect: { host: '127.0.0.1', port: init.peerLinkPort } }),
      heartbeatIntervalMs: init.ha.heartbeatIntervalMs,
      heartbeatTimeoutMs: init.ha.heartbeatTimeoutMs,
    });
    const luOf = (id: string) => this.volumes.getById(id);
    const reloaded = (ids: readonly string[]) => this.reloaded(ids);
    this.mover = new OwnershipMover({
      self: this.self, peer: this.peer.name, controllers: init.ha.controllers.map((c) => c.name), store: this.store, link: this.link,
      scsi: this.scsi, leaseEpoch: () => this.leaseEpoch, health: (id) => this.healthMap(id), policy: () => this.policy,
      lu: (id) => { const l = luOf(id); return l && { lu: l.lu, name: l.record.name }; },
      reloaded, event: (e) => this.event(e), movingChanged: (volumeId, on) => this.rpc.note('moving', { volumeId, on }), logger,
    });
    this.peerSvc = new PeerService({
      self: this.self, peer: this.peer.name, link: this.link, scsi: this.scsi, router: this.router, mover: this.mover,
      lu: (id) => luOf(id)?.lu, reloaded, logger,
    });
    this.backend = new BackendFaults({
      self: this.self, peer: this.peer.name, mover: this.mover, owners: () => { this.reloadOwnership(); return this.owners; },
      aluaChanged: () => this.allAluaChanged(), event: (e) => this.event(e), name: (id) => this.volumes.getById(id)?.record.name ?? id, logger,
    });
  }

  static async start(init: ControllerInit, rpc: IpcRpc, logger: Logger): Promise<ControllerRuntime> {
    const c = new ControllerRuntime(init, rpc, logger);
    await c.begin();
    return c;
  }

  private async begin(): Promise<void> {
    const lease = this.store.leases.acquire(this.self, `pid:${process.pid}`, Date.now(), this.init.ha.leaseMs);
    this.leaseEpoch = lease.epoch;
    this.timers.push(setInterval(() => this.renewLease(), Math.max(50, Math.floor(this.init.ha.leaseMs / 4))));
    this.reloadOwnership();
    await this.volumes.openAll();
    for (const live of this.volumes.list()) this.luIds.set(live.lu, live.record.id);
    this.allAluaChanged();
    this.link.setRequestHandler((req) => this.peerSvc.handle(req));
    this.link.on('message', (m) => void this.peerSvc.handle(m).catch((err) => this.logger.error({ err }, 'peer notify failed')));
    this.link.on('up', () => {
      this.health.set(this.peer.name, 'online');
      this.reloadOwnership();
      this.allAluaChanged();
    });
    this.link.on('down', () => this.allAluaChanged());
    this.failover = this.startFailover();
    const peerAtStart = this.init.peers[this.peer.name];
    if (peerAtStart === 'failed' || peerAtStart === 'fenced') this.failover.runner.dispatch({ type: 'peer-fenced', why: `controller ${this.peer.name} was ${peerAtStart} when ${this.self} started` });
    if (peerAtStart === 'disabled') this.failover.runner.dispatch({ type: 'operator-disable' });
    await this.link.start();
    if (this.init.peers[this.peer.name] === 'online' && !this.link.isUp) {
      // Rejoining a running peer: serve only once forwarding works (else every port reports standby).
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 3000);
        this.link.once('up', () => { clearTimeout(t); resolve(); });
      });
    }
    await this.iscsi.start();
  }

  // ---- state ----

  /** Controller health; with a volume id, this controller's back end as it concerns that volume. */
  private healthMap(volumeId?: string): Record<string, ControllerHealth> {
    const out: Record<string, ControllerHealth> = Object.fromEntries(this.health);
    if (volumeId !== undefined ? this.backend.isFailed(volumeId) : this.backend.any) out[this.self] = 'backend-failed';
    return out;
  }

  reloadOwnership(): void {
    const model = modelFromRecords(this.init.ha.controllers.map((c) => c.name), this.store.ownership.list());
    this.owners = new Map(Object.entries(model.volumes));
  }

  private renewLease(): void {
    try {
      if (this.store.leases.renew(this.self, this.leaseEpoch, Date.now(), this.init.ha.leaseMs) === 'fenced') {
        this.logger.error('controller lease fenced: stopping at once');
        process.exit(3);
      }
    } catch (err) {
      this.logger.warn({ err }, 'lease renewal failed');
    }
  }

  /** Last reported ALUA states per volume: a UA 2Ah/06h only when they really change. */
  private readonly aluaSeen = new Map<string, string>();

  private aluaSig(lu: LogicalUnit): string {
    return this.router.targetPortGroups(lu).map((g) => `${g.id}:${g.state}`).join(',');
  }

  private allAluaChanged(): void {
    for (const live of this.volumes.list()) {
      const sig = this.aluaSig(live.lu);
      const before = this.aluaSeen.get(live.record.id);
      this.aluaSeen.set(live.record.id, sig);
      if (before !== undefined && before !== sig) live.lu.queueUnitAttention('UaAsymmetricAccessStateChanged');
    }
  }

  private event(e: ControllerEvent): void {
    this.rpc.note('event', e);
  }

  /** Reload ownership after a change the initiator of it announced (no second UA here). */
  private reloaded(ids: readonly string[]): void {
    this.reloadOwnership();
    for (const id of ids) {
      const l = this.volumes.getById(id);
      if (l) this.aluaSeen.set(id, this.aluaSig(l.lu));
    }
  }

  private startFailover(): { runner: FailoverRunner; stop(): void } {
    const peer = this.peer.name;
    return startFailover({
      self: this.self, peer, link: this.link, heartbeatTimeoutMs: this.init.ha.heartbeatTimeoutMs, policy: () => this.policy,
      peerLeaseValid: () => this.store.leases.isValid(peer, Date.now()),
      fence: async (reason) => { await this.rpc.request('fence', { name: peer, reason }); },
      takeOverVolumes: () => this.takeOverVolumes(peer),
      failbackVolumes: async () => {
        this.reloadOwnership();
        const theirs = [...this.owners.values()].filter((o) => o.preferredOwner === peer && o.currentOwner === this.self);
        await this.mover.trespassEach(theirs.map((o) => o.volumeId), peer, 'failback');
      },
      event: (e) => this.event(e),
      alert: (op, id, message) => this.rpc.note('alert', { op, id, message }),
      onState: (s) => this.logger.info({ failover: s.state }, `peer ${peer}: ${s.state}`),
      logger: this.logger,
    });
  }

  // ---- ownership ----

  trespass(volumeId: string, to: string, reason: TrespassReason): Promise<{ from: string; to: string }> {
    return this.mover.trespass(volumeId, to, reason);
  }

  /**
   * The fence agent (supervisor) reports the peer gone: its process exited and its lease
   * epoch was bumped (or an operator disabled it). The failover machine takes over.
   */
  takeOver(dead: string, why = `controller ${dead} process exited and was fenced`, disabled = false): void {
    this.health.set(dead, disabled ? 'disabled' : 'failed');
    this.allAluaChanged();
    this.failover?.runner.dispatch(disabled ? { type: 'operator-disable' } : { type: 'peer-fenced', why });
  }

  /** Effect of the failover machine: every volume the (fenced) peer owns is now ours. */
  private takeOverVolumes(dead: string): void {
    const r = this.store.ownership.takeOverAll(dead, this.self, Date.now(), { controller: this.self, leaseEpoch: this.leaseEpoch });
    if (!r.ok) {
      this.logger.error('takeover refused: this controller is fenced');
      return;
    }
    for (const m of r.moved) this.router.counter.reset(m.volumeId);
    this.reloadOwnership();
    this.allAluaChanged();
    if (r.moved.length > 0) {
      const names = r.moved.map((m) => this.volumes.getById(m.volumeId)?.record.name ?? m.volumeId);
      this.event({ severity: 'error', short: `controller ${this.self} took over ${r.moved.length} volume(s) from ${dead}: ${names.join(', ')}`, long: `volumes trespassed from ${dead} to ${this.self}: controller failure` });
    }
  }

  /** An operator enabled the peer: it is starting and will say hello over the peer link. */
  peerRejoining(name: string): void {
    this.health.set(name, 'starting');
    this.failover?.runner.dispatch({ type: 'operator-enable' });
  }

  /**
   * The supervisor's address plan for this controller (address-plan.ts): listen on
   * exactly these portals, each with its home port's identity; hosted (RTPG: whose
   * group reports this controller's state) = their home controllers other than itself.
   */
  async setListeners(want: PortalListener[], served?: string[]): Promise<ListenersResult> {
    if (served) this.served = new Set(served);
    const r = await reconcileListeners(this.iscsi, want, this.logger);
    this.hosted.clear();
    for (const c of hostedControllers(this.self, want)) this.hosted.add(c);
    this.allAluaChanged();
    return r;
  }

  setPeerHealth(name: string, h: ControllerHealth): void {
    this.health.set(name, h);
    this.allAluaChanged();
  }

  // ---- control plane relay (supervisor → controller) ----

  async volumeCreated(v: VolumeRecord, create: boolean): Promise<void> {
    if (create) await this.dataPlane.createVolume(v);
    else await this.volumes.openOne(v);
    const live = this.volumes.getById(v.id);
    if (live) this.luIds.set(live.lu, v.id);
    this.reloadOwnership();
    this.dataPlane.accessChanged();
  }
  async volumeResized(v: VolumeRecord, size: number): Promise<void> {
    await this.volumes.resize(v, size, { localUa: true });
  }
  async volumeDeleted(v: VolumeRecord): Promise<void> {
    await this.dataPlane.deleteVolume(v);
    this.reloadOwnership();
  }
  setWriteProtected(v: VolumeRecord, wp: boolean): void {
    this.dataPlane.setWriteProtected(v, wp);
  }
  accessChanged(): void {
    this.dataPlane.accessChanged();
  }
  sessions(): unknown {
    return presentSessions(this.iscsi.listSessions());
  }
  setPolicy(p: ClusterPolicy): void {
    this.policy = p;
    this.router.setThreshold(p.aluaTrespassThreshold);
    this.allAluaChanged();
  }

  // ---- faults ----

  linkCut(): void {
    this.link.cut('close');
  }
  linkRestore(): void {
    this.link.restore();
  }
  backendFail(volumeId: string | undefined): Promise<string> {
    return this.backend.fail(volumeId);
  }
  backendRepair(volumeId: string | undefined): Promise<string> {
    return this.backend.repair(volumeId);
  }

  status(): { hosted: string[]; owned: string[]; backendFailed: string[]; linkUp: boolean } {
    return { hosted: [...this.hosted], owned: [...this.owners.values()].filter((o) => o.currentOwner === this.self).map((o) => o.volumeId), backendFailed: this.backend.list(), linkUp: this.link.isUp };
  }

  async stop(): Promise<void> {
    this.failover?.stop();
    this.backend.stop();
    for (const t of this.timers) clearTimeout(t);
    await this.iscsi.stop(500);
    await this.link.close();
    await this.volumes.closeAll();
    this.store.close();
  }
}

