/**
 * One controller of a dual-controller array (HA design "Processes", "Forwarding",
 * "Failure detection, fencing, takeover"): the shared store, every volume file, a
 * ScsiTarget with the HaRouter, an IscsiTarget on this controller's ports, the
 * authenticated peer link (forwarding, PR mirroring, UA broadcast, ownership changes),
 * the controller lease, and takeover of a dead peer's volumes and portal addresses.
 * Driven by the supervisor over IPC (ipc-rpc.ts); see controller-main.ts.
 */
import { loadFsNative } from '../block/native.js';
import { AccessResolver } from '../control/access.js';
import type { ClusterPolicy } from '../control/cluster.js';
import {
  applyMoves, isFailoverMode, loadOrCreatePeerSecret, modelFromRecords, PeerLink, trespass as trespassModel,
  type ControllerHealth, type JsonValue, type PeerInbound, type PeerHandlerResult, type TrespassReason, type VolumeOwnership,
} from '../controller/index.js';
import { IscsiTarget } from '../iscsi/target/iscsi-target.js';
import type { Logger } from '../lib/logger.js';
import { ScsiTarget, type LogicalUnit, type PrStateJson } from '../scsi/index.js';
import { checkCondition, type SenseReason } from '../scsi/sense.js';
import type { ItNexus, ScsiCommand, ScsiResponse, ScsiTargetPort } from '../scsi/types.js';
import { Store } from '../store/index.js';
import type { VolumeRecord } from '../store/records.js';
import { ArrayDataPlane, type ServedPortal } from './array-data-plane.js';
import { decodeCommand, decodeResponse, encodeCommand, encodeResponse, type ForwardedCommandBody } from './forwarding.js';
import type { ControllerInit, HaControllerConfig } from './ha-config.js';
import { portDown, portUp } from './port-faults.js';

export type { ControllerInit } from './ha-config.js';
import { HaRouter } from './ha-router.js';
import type { IpcRpc } from './ipc-rpc.js';
import { presentSessions } from './sessions.js';
import { failingDevice } from './failing-device.js';
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
  private readonly backendFailed = new Set<string>(); // volume ids, or '*'
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

  private constructor(private readonly init: ControllerInit, private readonly rpc: IpcRpc, private readonly logger: Logger) {
    this.self = init.self;
    this.policy = init.policy;
    this.me = init.ha.controllers.find((c) => c.name === init.self)!;
    this.peer = init.ha.controllers.find((c) => c.name !== init.self)!;
    this.store = Store.open(init.dataDir, { busyTimeoutMs: 5000 });
    this.health.set(this.self, 'online');
    for (const [n, h] of Object.entries(init.peers)) this.health.set(n, h);
    this.allPorts = init.ha.controllers.flatMap((c) => c.ports.map((p) => ({ host: p.host, port: p.port, tpgt: p.tpgt, relativeTargetPortId: p.relativeTargetPortId, targetPortGroupId: p.targetPortGroupId })));
    const iqn = this.store.identity.targetIqn;
    this.access = new AccessResolver(this.store);
    this.volumes = new VolumeRuntime(this.store, loadFsNative({ logger }), logger, {
      wrapDevice: (v, d) => failingDevice(d, () => this.backendFailed.has('*') || this.backendFailed.has(v.id)),
      prPersisted: (v, s) => this.mirrorPr(v, s),
      luOptions: (v) => ({
        onUnitAttentionBroadcast: (reason, except, only) => {
          this.link.send('ua-broadcast', { volumeId: v.id, reason, except: except ?? null, only: (only ?? null) as JsonValue });
        },
        onTasksAborted: async (nexusIds) => {
          await this.link.request('tmf', { volumeId: v.id, nexusIds }, undefined, { timeoutMs: 2000 });
        },
      }),
    });
    this.dataPlane = new ArrayDataPlane(this.volumes, iqn, this.allPorts);
    this.router = new HaRouter({
      self: this.self,
      groups: init.ha.controllers.map((c) => ({ controller: c.name, tpgId: c.index, relativePortIds: c.ports.map((p) => p.relativeTargetPortId) })),
      volumeIdOf: (lu) => this.luIds.get(lu),
      ownership: (id) => this.owners.get(id),
      health: () => this.healthMap(),
      peerLinkUp: () => this.link.isUp,
      hosted: () => this.hosted,
      nonOwnerState: () => this.policy.nonOwnerState,
      failoverModeOf: (initiator) => {
        const m = this.access.hostOf(initiator)?.failoverMode;
        return isFailoverMode(m) ? m : this.policy.defaultFailoverMode;
      },
      forward: (id, cmd) => this.forward(id, cmd),
      trespass: async (id, to, reason) => { await this.trespass(id, to, reason); },
    }, init.policy.aluaTrespassThreshold);
    this.scsi = new ScsiTarget({
      access: this.dataPlane,
      router: this.router,
      ports: this.allPorts.map((p) => ({ relativeTargetPortId: p.relativeTargetPortId, targetPortGroupId: p.targetPortGroupId, name: `${iqn},t,0x${p.tpgt.toString(16).padStart(4, '0')}` })),
      logger: logger.child({ layer: 'scsi' }),
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
      advertise: () => this.allPorts,
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
    this.link.setRequestHandler((req) => this.onPeerRequest(req));
    this.link.on('message', (m) => void this.onPeerRequest(m).catch((err) => this.logger.error({ err }, 'peer notify failed')));
    this.link.on('up', () => {
      this.peerWasUp = true;
      this.health.set(this.peer.name, 'online');
      this.reloadOwnership();
      this.allAluaChanged();
    });
    this.link.on('down', ({ reason }) => this.onPeerDown(reason));
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

  private healthMap(): Record<string, ControllerHealth> {
    const out: Record<string, ControllerHealth> = Object.fromEntries(this.health);
    if (this.backendFailed.size > 0) out[this.self] = 'backend-failed';
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

  // ---- peer link ----

  private async forward(volumeId: string, cmd: ScsiCommand): Promise<ScsiResponse> {
    const { body, payload } = encodeCommand(volumeId, cmd);
    const r = await this.link.request('forward-cmd', body, payload, { timeoutMs: 30000 });
    if (!r.ok) return checkCondition('LogicalUnitCommunicationFailure');
    return decodeResponse(r.body, r.payload);
  }

  private async onPeerRequest(req: PeerInbound): Promise<PeerHandlerResult> {
    const b = req.body as Record<string, JsonValue>;
    const live = typeof b.volumeId === 'string' ? this.volumes.getById(b.volumeId) : undefined;
    switch (req.kind) {
      case 'forward-cmd': {
        if (!live) return { error: { code: 'no-volume', message: `volume ${String(b.volumeId)} is not open here` } };
        const resp = await this.scsi.executeForwarded(live.lu, decodeCommand(b as unknown as ForwardedCommandBody, req.payload));
        return encodeResponse(resp);
      }
      case 'pr-update':
        if (live && b.state) live.lu.applyPrState(b.state as unknown as PrStateJson);
        return { body: null };
      case 'ua-broadcast':
        live?.lu.queueUnitAttention(b.reason as SenseReason, (b.except as string | null) ?? undefined, (b.only ?? undefined) as never);
        return { body: null };
      case 'ownership-change':
        this.reloadOwnership();
        for (const id of (b.volumeIds as string[] | undefined) ?? []) {
          const l = this.volumes.getById(id);
          if (l) this.aluaSeen.set(id, this.aluaSig(l.lu));
        }
        for (const id of (b.volumeIds as string[] | undefined) ?? []) this.router.counter.reset(id);
        return { body: null };
      case 'tmf':
        if (live) await this.scsi.abortTasksOf(live.lu, b.nexusIds as string[]);
        return { body: null };
      default:
        return { body: null };
    }
  }

  private async mirrorPr(v: VolumeRecord, s: PrStateJson | null): Promise<void> {
    if (!this.link.isUp || s === null) return;
    await this.link.request('pr-update', { volumeId: v.id, state: s as unknown as JsonValue }, undefined, { timeoutMs: 2000 });
  }

  private peerWasUp = false;

  private onPeerDown(reason: string): void {
    if (!this.peerWasUp) return; // a failed reconnect attempt, not a new loss
    this.peerWasUp = false;
    const peer = this.peer.name;
    this.event({ severity: 'warning', short: `peer link to controller ${peer} down: ${reason}` });
    this.allAluaChanged();
    // A dead peer's lease expires within leaseMs; a live one (link cut) keeps renewing ⇒ no takeover.
    const check = setTimeout(() => {
      if (this.link.isUp || this.hosted.has(peer)) return;
      if (this.store.leases.isValid(peer, Date.now())) return;
      void this.rpc.request('fence', { name: peer, reason: `peer link down (${reason}) and lease of ${peer} expired` }).catch(() => undefined);
    }, this.init.ha.leaseMs + 50);
    this.timers.push(check);
  }

  // ---- ownership ----

  async trespass(volumeId: string, to: string, reason: TrespassReason): Promise<{ from: string; to: string }> {
    this.reloadOwnership();
    const cur = this.owners.get(volumeId);
    if (!cur) throw new Error(`volume ${volumeId} has no ownership record`);
    if (cur.currentOwner === to) return { from: to, to };
    const model = modelFromRecords(this.init.ha.controllers.map((c) => c.name), this.store.ownership.list());
    const r = trespassModel(model, volumeId, to, reason, this.healthMap());
    if (!r.ok) throw r.error;
    const applied = applyMoves(this.store, r.moves, Date.now());
    if (!applied.ok) throw new Error(`trespass of ${volumeId} failed: ${applied.reason}`);
    this.reloadOwnership();
    this.router.counter.reset(volumeId);
    if (this.link.isUp) await this.link.request('ownership-change', { volumeIds: [volumeId] }, undefined, { timeoutMs: 2000 });
    const live = this.volumes.getById(volumeId);
    live?.lu.aluaStateChanged();
    if (live) this.aluaSeen.set(volumeId, this.aluaSig(live.lu));
    this.event({ severity: 'info', short: `volume ${live?.record.name ?? volumeId} trespassed from ${cur.currentOwner} to ${to}: ${reason}` });
    return { from: cur.currentOwner, to };
  }

  /** The peer failed (fenced by the supervisor): take its volumes and its portal addresses. */
  async takeOver(dead: string): Promise<void> {
    this.health.set(dead, 'failed');
    if (this.hosted.has(dead)) return;
    const r = this.store.ownership.takeOverAll(dead, this.self, Date.now());
    this.reloadOwnership();
    const deadCfg = this.init.ha.controllers.find((c) => c.name === dead);
    this.hosted.add(dead);
    for (const p of deadCfg?.ports ?? []) {
      try {
        await this.iscsi.addPortal({ host: p.host, port: p.port, tpgt: p.tpgt, relativeTargetPortId: p.relativeTargetPortId, targetPortGroupId: p.targetPortGroupId });
      } catch (err) {
        this.logger.error({ err, port: p.name }, 'address takeover failed');
      }
    }
    this.allAluaChanged();
    const moved = r.ok ? r.moved.length : 0;
    this.event({ severity: 'error', short: `controller ${this.self} took over from ${dead}: ${moved} volume(s), addresses ${deadCfg?.ports.map((p) => `${p.host}:${p.port}`).join(', ')}` });
  }

  /** The peer is back: give its addresses back (volumes return by failback/trespass). */
  async peerRejoining(name: string): Promise<void> {
    this.health.set(name, 'starting');
    if (!this.hosted.has(name)) return;
    this.hosted.delete(name);
    const cfg = this.init.ha.controllers.find((c) => c.name === name);
    for (const p of cfg?.ports ?? []) await this.iscsi.removePortal(p.host, p.port);
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
    await this.dataPlane.resizeVolume(v, size);
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
  allocatedBytes(v: VolumeRecord): Promise<number> {
    return this.dataPlane.allocatedBytes(v);
  }
  sessions(): unknown {
    return presentSessions(this.iscsi.listSessions());
  }
  setPolicy(p: ClusterPolicy): void {
    this.policy = p;
    this.allAluaChanged();
  }

  // ---- faults ----

  portDown(name: string): Promise<string> {
    return portDown(this.me, this.iscsi, name);
  }
  portUp(name: string): Promise<string> {
    return portUp(this.me, this.iscsi, name);
  }
  linkCut(): void {
    this.link.cut('close');
  }
  linkRestore(): void {
    this.link.restore();
  }
  async backendFail(volumeId: string | undefined): Promise<string> {
    this.backendFailed.add(volumeId ?? '*');
    const ids = volumeId ? [volumeId] : [...this.owners.values()].filter((o) => o.currentOwner === this.self).map((o) => o.volumeId);
    const moved: string[] = [];
    for (const id of ids) {
      if (this.owners.get(id)?.currentOwner !== this.self) continue;
      try {
        await this.trespass(id, this.peer.name, 'backend-failure');
        moved.push(id);
      } catch (err) {
        this.logger.error({ err, id }, 'backend-failure trespass failed');
      }
    }
    this.allAluaChanged();
    return `back end of controller ${this.self} failed${volumeId ? ` for ${volumeId}` : ''}: ${moved.length} volume(s) trespassed to ${this.peer.name}`;
  }
  async backendRepair(volumeId: string | undefined): Promise<string> {
    if (volumeId) this.backendFailed.delete(volumeId);
    else this.backendFailed.clear();
    this.reloadOwnership();
    let back = 0;
    for (const o of this.owners.values()) {
      if (o.preferredOwner === this.self && o.currentOwner !== this.self && (!volumeId || o.volumeId === volumeId)) {
        await this.trespass(o.volumeId, this.self, 'backend-repair');
        back++;
      }
    }
    this.allAluaChanged();
    return `back end of controller ${this.self} repaired: ${back} volume(s) back on their preferred owner`;
  }

  status(): { hosted: string[]; owned: string[]; backendFailed: string[]; linkUp: boolean } {
    return { hosted: [...this.hosted], owned: [...this.owners.values()].filter((o) => o.currentOwner === this.self).map((o) => o.volumeId), backendFailed: [...this.backendFailed], linkUp: this.link.isUp };
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    await this.iscsi.stop(500);
    await this.link.close();
    await this.volumes.closeAll();
    this.store.close();
  }
}

