/**
 * One controller of a dual-controller array at run time: its view of the cluster (peer
 * health, ownership rows, the addresses it hosts, the policy, its lease) and what it does
 * with it: forwarding, failure detection, fencing, takeover and failback. It is given its
 * parts, built by the daemon: the shared store, the data path (volumes, access plane,
 * SCSI core with the HaRouter, iSCSI target), the authenticated peer link and what runs
 * over it (peer-service.ts: forwarding, PR mirroring, UA broadcast, resets), ownership
 * moves with an ALUA transition (ownership-mover.ts), back-end faults
 * (backend-faults.ts) and the supervisor link (fence, events, alerts). It runs the
 * failover machine (failover-binding.ts: heartbeat loss, fencing, takeover, failback).
 * Driven by the supervisor over IPC.
 *
 * LU state (docs/ha.md «LU state belongs to the array»): every volume this controller
 * gains — takeover, failback, trespass, volume move — has its LU state read from the
 * store at the moment the ownership row says so, and the nexus events that waited for
 * the owner applied; a takeover releases the SPC-2 reservations of the nexuses that died
 * with the peer; when the peer link comes up the mirror of the volumes the peer owns is
 * read from the store again and the waiting nexus events go to the owner.
 */
import type { ClusterPolicy, ControllerHealth, VolumeOwnership } from '../../cluster/index.js';
import type { SessionInfo } from '../../management/data-plane.js';
import { modelFromRecords, type FailoverRunner, type PeerLink, type TrespassReason } from '../index.js';
import type { PortalConfig } from '../../iscsi/target/iscsi-target.js';
import type { Logger } from '../../lib/logger.js';
import type { LogicalUnit } from '../../scsi/index.js';
import type { Store } from '../../store/index.js';
import type { VolumeRecord } from '../../store/records.js';
import type { DataPath } from '../../datapath/data-path.js';
import type { BackendFaults } from './backend-faults.js';
import { hostedControllers, reconcileListeners, type ListenersResult, type PortalListener } from './controller-listeners.js';
import { startFailover } from './failover-binding.js';
import type { HaRouter } from './ha-router.js';
import type { OwnershipMover } from './ownership-mover.js';
import type { PeerService } from './peer-service.js';
import type { ControllerEvent, SupervisorLink } from './supervisor-link.js';

export interface ControllerParts {
  self: string;
  peer: string;
  /** Every controller of the array, by name. */
  controllers: readonly string[];
  leaseMs: number;
  heartbeatTimeoutMs: number;
  policy: ClusterPolicy;
  /** Health of the other controllers as the supervisor saw them when this one was started. */
  peersAtStart: Readonly<Record<string, ControllerHealth>>;
  store: Store;
  dataPath: DataPath;
  link: PeerLink;
  router: HaRouter;
  mover: OwnershipMover;
  peerService: PeerService;
  backend: BackendFaults;
  supervisor: SupervisorLink;
  logger: Logger;
}

export interface ControllerStatus {
  hosted: string[];
  owned: string[];
  backendFailed: string[];
  linkUp: boolean;
}

export class ControllerRuntime {
  readonly self: string;
  private readonly peer: string;
  private readonly health = new Map<string, ControllerHealth>();
  private owners = new Map<string, VolumeOwnership>();
  private readonly hosted = new Set<string>();
  private policy: ClusterPolicy;
  private leaseEpoch = 0;
  private timers: NodeJS.Timeout[] = [];
  /** Addresses served by some controller (the supervisor's plan): SendTargets offers only these. */
  private served: Set<string> | undefined;
  private failover: { runner: FailoverRunner; stop(): void } | undefined;
  /** Last reported ALUA states per volume: a UA 2Ah/06h only when they really change. */
  private readonly aluaSeen = new Map<string, string>();
  /** Its volumes are open and its portals listen (start() is done). */
  private started = false;
  /** The supervisor said the array's configuration is in place (IPC 'serve'). */
  private serveAllowed = false;

  constructor(private readonly p: ControllerParts) {
    this.self = p.self;
    this.peer = p.peer;
    this.policy = p.policy;
    this.health.set(this.self, 'online');
    for (const [n, h] of Object.entries(p.peersAtStart)) this.health.set(n, h);
  }

  async start(): Promise<void> {
    const { store, link, dataPath } = this.p;
    const lease = store.leases.acquire(this.self, `pid:${process.pid}`, Date.now(), this.p.leaseMs);
    this.leaseEpoch = lease.epoch;
    this.timers.push(setInterval(() => this.renewLease(), Math.max(50, Math.floor(this.p.leaseMs / 4))));
    this.reloadOwnership();
    await dataPath.volumes.openAll();
    this.aluaChanged();
    link.setRequestHandler((req) => this.p.peerService.handle(req));
    link.on('message', (m) => void this.p.peerService.handle(m).catch((err) => this.p.logger.error({ err }, 'peer notify failed')));
    link.on('up', () => {
      this.health.set(this.peer, 'online');
      this.reloadOwnership();
      this.reloadMirrors();
      void this.p.peerService.flushPending().catch((err: unknown) => this.p.logger.error({ err }, 'nexus events for the owner failed'));
      this.aluaChanged();
    });
    link.on('down', () => {
      this.p.mover.peerLinkLost();
      this.aluaChanged();
    });
    this.failover = this.startFailover();
    const peerAtStart = this.p.peersAtStart[this.peer];
    if (peerAtStart === 'failed' || peerAtStart === 'fenced') this.failover.runner.dispatch({ type: 'peer-fenced', why: `controller ${this.peer} was ${peerAtStart} when ${this.self} started` });
    if (peerAtStart === 'disabled') this.failover.runner.dispatch({ type: 'operator-disable' });
    await link.start();
    if (peerAtStart === 'online' && !link.isUp) {
      // Rejoining a running peer: serve only once forwarding works (else every port reports standby).
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 3000);
        link.once('up', () => { clearTimeout(t); resolve(); });
      });
    }
    await dataPath.iscsi.start();
    this.started = true;
  }

  /**
   * docs/ha.md "Portals that serve": logins are accepted (and SendTargets answered) only
   * once this controller has its volumes open and the supervisor has said the array is
   * configured ('serve': at array start after the first-start volume and its mapping,
   * at once for a controller enabled or restarted later). Before, logins get 0x0301.
   */
  serving(): boolean {
    return this.started && this.serveAllowed;
  }

  /** IPC 'serve'. */
  serve(): void {
    this.serveAllowed = true;
  }

  // ---- the facts the router, the mover and the back-end faults read ----

  /** The ownership row of a volume, transitioning while this controller's mover moves it. */
  ownership(volumeId: string): VolumeOwnership | undefined {
    const o = this.owners.get(volumeId);
    return o && this.p.mover.moving.has(volumeId) ? { ...o, transitioning: true } : o;
  }

  /** Controller health; with a volume id, this controller's back end as it concerns that volume. */
  healthMap(volumeId?: string): Record<string, ControllerHealth> {
    const out: Record<string, ControllerHealth> = Object.fromEntries(this.health);
    if (volumeId !== undefined ? this.p.backend.isFailed(volumeId) : this.p.backend.any) out[this.self] = 'backend-failed';
    return out;
  }

  /** Controllers whose ports this controller now serves (IP takeover). */
  hostedControllers(): ReadonlySet<string> {
    return this.hosted;
  }

  currentPolicy(): ClusterPolicy {
    return this.policy;
  }

  currentLeaseEpoch(): number {
    return this.leaseEpoch;
  }

  /** Offered by SendTargets: every address some controller serves (all of them before the first plan). */
  isServed(p: { host: string; port: number }): boolean {
    return !this.served || this.served.has(`${p.host}:${p.port}`);
  }

  /** Fresh ownership rows (re-read from the store). */
  freshOwners(): ReadonlyMap<string, VolumeOwnership> {
    this.reloadOwnership();
    return this.owners;
  }

  reloadOwnership(): void {
    const model = modelFromRecords(this.p.controllers, this.p.store.ownership.list());
    const before = this.owners;
    this.owners = new Map(Object.entries(model.volumes));
    this.p.router.factsChanged();
    for (const [id, o] of this.owners) if (o.currentOwner === this.self && before.get(id)?.currentOwner !== this.self) this.gained(id);
  }

  /** This controller became the owner: the LU state is the store's, then what waited for the owner applies. */
  private gained(volumeId: string): void {
    if (!this.p.dataPath.volumes.getById(volumeId)) return; // not open yet: opening reads the store
    try {
      this.p.dataPath.volumes.reloadLuState(volumeId);
    } catch (err) {
      this.p.logger.error({ err, volumeId }, 'LU state of a gained volume cannot be read: it keeps the mirror');
    }
    void this.p.peerService.applyPending(volumeId).catch((err: unknown) => this.p.logger.error({ err, volumeId }, 'nexus events of a gained volume failed'));
  }

  /** The peer link is up: the mirror of every volume the peer owns is read from the store again (updates may have been lost). */
  private reloadMirrors(): void {
    for (const live of this.p.dataPath.volumes.list()) {
      if (this.owners.get(live.record.id)?.currentOwner === this.self) continue;
      try {
        this.p.dataPath.volumes.reloadLuState(live.record.id);
      } catch (err) {
        this.p.logger.error({ err, volumeId: live.record.id }, 'LU state mirror cannot be read');
      }
    }
  }

  /** Reload ownership after a change the initiator of it announced (no second UA here). */
  reloaded(ids: readonly string[]): void {
    this.reloadOwnership();
    for (const id of ids) {
      const l = this.p.dataPath.volumes.getById(id);
      if (l) this.aluaSeen.set(id, this.aluaSig(l.lu));
    }
  }

  /** Queues UA 2Ah/06h on every volume whose reported ALUA states changed since last time. */
  aluaChanged(): void {
    this.p.router.factsChanged();
    for (const live of this.p.dataPath.volumes.list()) {
      const sig = this.aluaSig(live.lu);
      const before = this.aluaSeen.get(live.record.id);
      this.aluaSeen.set(live.record.id, sig);
      if (before !== undefined && before !== sig) live.lu.queueUnitAttention('UaAsymmetricAccessStateChanged');
    }
  }

  event(e: ControllerEvent): void {
    this.p.supervisor.event(e);
  }

  private aluaSig(lu: LogicalUnit): string {
    return this.p.router.targetPortGroups(lu).map((g) => `${g.id}:${g.state}`).join(',');
  }

  private renewLease(): void {
    try {
      if (this.p.store.leases.renew(this.self, this.leaseEpoch, Date.now(), this.p.leaseMs) === 'fenced') {
        this.p.logger.error('controller lease fenced: stopping at once');
        process.exit(3);
      }
    } catch (err) {
      this.p.logger.warn({ err }, 'lease renewal failed');
    }
  }

  private startFailover(): { runner: FailoverRunner; stop(): void } {
    const peer = this.peer;
    return startFailover({
      self: this.self, peer, link: this.p.link, heartbeatTimeoutMs: this.p.heartbeatTimeoutMs, leaseMs: this.p.leaseMs, policy: () => this.policy,
      peerLeaseValid: () => this.p.store.leases.isValid(peer, Date.now()),
      fence: (reason) => this.p.supervisor.fence(peer, reason),
      takeOverVolumes: () => this.takeOverVolumes(peer),
      failbackVolumes: async () => {
        this.reloadOwnership();
        const theirs = [...this.owners.values()].filter((o) => o.preferredOwner === peer && o.currentOwner === this.self);
        await this.p.mover.trespassEach(theirs.map((o) => o.volumeId), peer, 'failback');
      },
      event: (e) => this.event(e),
      alert: (op, id, message) => this.p.supervisor.alert(op, id, message),
      logger: this.p.logger,
    });
  }

  // ---- ownership ----

  trespass(volumeId: string, to: string, reason: TrespassReason): Promise<{ from: string; to: string }> {
    return this.p.mover.trespass(volumeId, to, reason);
  }

  /**
   * The fence agent (supervisor) reports the peer gone: its process exited and its lease
   * epoch was bumped (or an operator disabled it). The failover machine takes over.
   */
  takeOver(dead: string, why = `controller ${dead} process exited and was fenced`, disabled = false): void {
    this.health.set(dead, disabled ? 'disabled' : 'failed');
    this.aluaChanged();
    this.failover?.runner.dispatch(disabled ? { type: 'operator-disable' } : { type: 'peer-fenced', why });
  }

  /** Effect of the failover machine: every volume the (fenced) peer owns is now ours. */
  private takeOverVolumes(dead: string): void {
    const r = this.p.store.ownership.takeOverAll(dead, this.self, Date.now(), { controller: this.self, leaseEpoch: this.leaseEpoch });
    if (!r.ok) {
      this.p.logger.error('takeover refused: this controller is fenced');
      return;
    }
    for (const m of r.moved) this.p.router.counter.reset(m.volumeId);
    this.reloadOwnership();
    // The nexuses that were on the dead controller are gone (I_T nexus loss): their
    // SPC-2 reservations with them, on every volume this controller now owns.
    const live = this.p.dataPath.scsi.liveNexusIds();
    for (const v of this.p.dataPath.volumes.list()) {
      if (this.owners.get(v.record.id)?.currentOwner === this.self) void v.lu.keepOnlyNexuses(live);
    }
    this.aluaChanged();
    if (r.moved.length > 0) {
      const names = r.moved.map((m) => this.p.dataPath.volumes.getById(m.volumeId)?.record.name ?? m.volumeId);
      this.event({ severity: 'error', short: `controller ${this.self} took over ${r.moved.length} volume(s) from ${dead}: ${names.join(', ')}`, long: `volumes trespassed from ${dead} to ${this.self}: controller failure` });
    }
  }

  /** An operator enabled the peer: it is starting and will say hello over the peer link. */
  peerRejoining(name: string): void {
    this.health.set(name, 'starting');
    this.failover?.runner.dispatch({ type: 'operator-enable' });
  }

  /**
   * The supervisor's address plan for this controller (src/supervisor/address-plan.ts):
   * listen on exactly these portals, each with its home port's identity; hosted (RTPG:
   * whose group reports this controller's state) = their home controllers other than itself.
   */
  async setListeners(want: PortalListener[], served?: string[]): Promise<ListenersResult> {
    if (served) this.served = new Set(served);
    const r = await reconcileListeners(this.p.dataPath.iscsi, want, this.p.logger);
    this.hosted.clear();
    for (const c of hostedControllers(this.self, want)) this.hosted.add(c);
    this.aluaChanged();
    return r;
  }

  setPeerHealth(name: string, h: ControllerHealth): void {
    this.health.set(name, h);
    this.aluaChanged();
  }

  // ---- control plane relay (supervisor → controller) ----

  async volumeCreated(v: VolumeRecord, create: boolean): Promise<void> {
    if (create) await this.p.dataPath.access.createVolume(v);
    else await this.p.dataPath.volumes.openOne(v);
    this.reloadOwnership();
    this.p.dataPath.access.accessChanged();
  }
  async volumeResized(v: VolumeRecord, size: number): Promise<void> {
    await this.p.dataPath.volumes.resize(v, size, { localUa: true });
  }
  async volumeDeleted(v: VolumeRecord): Promise<void> {
    await this.p.dataPath.access.deleteVolume(v);
    this.reloadOwnership();
  }
  setWriteProtected(v: VolumeRecord, wp: boolean): void {
    this.p.dataPath.access.setWriteProtected(v, wp);
  }
  accessChanged(): void {
    this.p.dataPath.access.accessChanged();
  }
  sessions(): Promise<SessionInfo[]> {
    return this.p.dataPath.access.listSessions();
  }
  setPolicy(p: ClusterPolicy): void {
    this.policy = p;
    this.p.router.setThreshold(p.aluaTrespassThreshold);
    this.aluaChanged();
  }
  /** The portals this controller listens on now. */
  portals(): PortalConfig[] {
    return this.p.dataPath.iscsi.boundPortals();
  }

  // ---- faults ----

  linkCut(): void {
    this.p.link.cut('close');
  }
  linkRestore(): void {
    this.p.link.restore();
  }
  backendFail(volumeId: string | undefined): Promise<string> {
    return this.p.backend.fail(volumeId);
  }
  backendRepair(volumeId: string | undefined): Promise<string> {
    return this.p.backend.repair(volumeId);
  }

  status(): ControllerStatus {
    return {
      hosted: [...this.hosted], owned: [...this.owners.values()].filter((o) => o.currentOwner === this.self).map((o) => o.volumeId),
      backendFailed: this.p.backend.list(), linkUp: this.p.link.isUp,
    };
  }

  async stop(): Promise<void> {
    this.failover?.stop();
    this.p.backend.stop();
    for (const t of this.timers) clearTimeout(t);
    await this.p.dataPath.iscsi.stop(500);
    await this.p.link.close();
    await this.p.dataPath.volumes.closeAll();
    this.p.store.close();
  }
}
