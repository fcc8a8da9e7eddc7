/**
 * The composition root of one controller process of a dual-controller array: from the
 * supervisor's 'init' it builds the shared store, the peer link, the data path (the one
 * builder, with the HA parts: HaRouter, back-end fault device wrapper, LU state saves
 * guarded by this controller's lease and mirrored to the peer, UA broadcast, LU resets
 * and I_T nexus losses on the peer), the ownership mover, the peer service, the
 * back-end faults and the runtime that drives them, then starts it. The parts reach
 * each other's state through the runtime's facts (late-bound: each closure runs only
 * once everything is built).
 */
import type { HaControllerConfig } from '../config/ha-config.js';
import { isFailoverMode } from '../cluster/index.js';
import { loadOrCreatePeerSecret, PeerLink } from '../controller/index.js';
import { BackendFaults } from '../controller/runtime/backend-faults.js';
import { ControllerRuntime } from '../controller/runtime/controller-runtime.js';
import { backendDevice } from '../controller/runtime/failing-device.js';
import { HaRouter } from '../controller/runtime/ha-router.js';
import { OwnershipMover } from '../controller/runtime/ownership-mover.js';
import { PeerService } from '../controller/runtime/peer-service.js';
import type { SupervisorLink } from '../controller/runtime/supervisor-link.js';
import type { ServedPortal } from '../datapath/access-plane.js';
import type { DataPathEvent } from '../datapath/target-events.js';
import type { Logger } from '../lib/logger.js';
import { AccessResolver } from '../management/access.js';
import { Store } from '../store/index.js';
import type { ControllerInit } from '../supervisor/ipc/protocol.js';
import { buildDataPath } from './data-path.js';

const served = (p: HaControllerConfig['ports'][number]): ServedPortal =>
  ({ host: p.host, port: p.port, tpgt: p.tpgt, relativeTargetPortId: p.relativeTargetPortId, targetPortGroupId: p.targetPortGroupId });

/** Builds and starts the controller `init.self`; resolves once it serves its portals. */
export async function startController(init: ControllerInit, supervisor: SupervisorLink, onEvent: (e: DataPathEvent) => void, logger: Logger): Promise<ControllerRuntime> {
  const { ha } = init;
  const me = ha.controllers.find((c) => c.name === init.self)!;
  const peer = ha.controllers.find((c) => c.name !== init.self)!;
  const controllers = ha.controllers.map((c) => c.name);
  // Store calls block the event loop while they wait for a lock: keep the wait short (every
  // transaction is tiny; a longer wait means a stalled holder, which fencing removes).
  const store = Store.open(init.dataDir, { busyTimeoutMs: 1000 });
  const allPorts = ha.controllers.flatMap((c) => c.ports.map(served));
  const access = new AccessResolver(store);
  const link = new PeerLink({
    self: me.name,
    peer: peer.name,
    secret: loadOrCreatePeerSecret(init.dataDir),
    ...(me.index < peer.index ? { listen: { host: '127.0.0.1', port: init.peerLinkPort } } : { connect: { host: '127.0.0.1', port: init.peerLinkPort } }),
    heartbeatIntervalMs: ha.heartbeatIntervalMs,
    heartbeatTimeoutMs: ha.heartbeatTimeoutMs,
  });
  const router: HaRouter = new HaRouter({
    self: me.name,
    groups: ha.controllers.map((c) => ({ controller: c.name, tpgId: c.index, relativePortIds: c.ports.map((p) => p.relativeTargetPortId) })),
    volumeIdOf: (lu) => dataPath.volumes.volumeIdOf(lu),
    ownership: (id) => runtime.ownership(id),
    health: (id) => runtime.healthMap(id),
    peerLinkUp: () => link.isUp,
    hosted: () => runtime.hostedControllers(),
    nonOwnerState: () => runtime.currentPolicy().nonOwnerState,
    failoverModeOf: (initiator) => {
      const m = access.hostOf(initiator)?.failoverMode;
      return isFailoverMode(m) ? m : runtime.currentPolicy().defaultFailoverMode;
    },
    forward: (id, cmd, counted) => peerService.forward(id, cmd, counted),
    transitionHoldMs: () => runtime.currentPolicy().aluaTransitionMs ?? 0,
    trespass: async (id, to, reason, except) => { await mover.trespass(id, to, reason, except ? { exceptNexusId: except } : {}); },
  }, init.policy.aluaTrespassThreshold);
  const dataPath = buildDataPath({
    store, access, iqn: store.identity.targetIqn, ports: allPorts, listen: me.ports.map(served),
    nopIntervalMs: init.nopIntervalMs, nopTimeoutMs: init.nopTimeoutMs, onEvent, logger,
    ha: {
      router,
      volumeHooks: {
        wrapDevice: (v, d) => backendDevice(d, { injected: () => backend.isInjected(v.id), onError: (err) => backend.detected(v.id, err, d) }),
        writer: () => ({ controller: me.name, leaseEpoch: runtime.currentLeaseEpoch() }),
        luStateSaved: (v, s) => peerService.mirrorLuState(v.id, s),
        luOptions: (v) => ({
          onUnitAttentionBroadcast: (reason, except, only) => peerService.broadcastUa(v.id, reason, except, only),
          onTasksAborted: (nexusIds) => peerService.abortOnPeer(v.id, nexusIds),
        }),
      },
      onLuReset: async (lu) => {
        const id = dataPath.volumes.volumeIdOf(lu);
        if (id) await peerService.luReset(id);
      },
      onNexusLost: (nexus, lus) => {
        const ids = lus.map((l) => dataPath.volumes.volumeIdOf(l)).filter((id): id is string => id !== undefined);
        peerService.nexusLost(ids, nexus.id);
      },
      advertise: () => allPorts.filter((p) => runtime.isServed(p)),
      serving: () => runtime.serving(),
    },
  });
  const lu = (id: string) => dataPath.volumes.getById(id);
  const reloaded = (ids: readonly string[]) => runtime.reloaded(ids);
  const mover: OwnershipMover = new OwnershipMover({
    self: me.name, peer: peer.name, controllers, store, link, scsi: dataPath.scsi,
    leaseEpoch: () => runtime.currentLeaseEpoch(), health: (id) => runtime.healthMap(id), policy: () => runtime.currentPolicy(),
    lu: (id) => { const l = lu(id); return l && { lu: l.lu, name: l.record.name }; },
    reloaded, event: (e) => supervisor.event(e), movingChanged: (volumeId, on) => supervisor.moving(volumeId, on), logger,
  });
  const peerService: PeerService = new PeerService({
    self: me.name, peer: peer.name, link, scsi: dataPath.scsi, router, mover, lu: (id) => lu(id)?.lu, reloaded, logger,
    ownership: (id) => runtime.ownership(id), refreshOwnership: () => runtime.reloadOwnership(),
    owns: (id) => runtime.ownership(id)?.currentOwner === me.name,
  });
  const backend: BackendFaults = new BackendFaults({
    self: me.name, peer: peer.name, mover, owners: () => runtime.freshOwners(), aluaChanged: () => runtime.aluaChanged(),
    event: (e) => supervisor.event(e), alert: (op, id, message) => supervisor.alert(op, id, message), name: (id) => lu(id)?.record.name ?? id, logger,
  });
  const runtime: ControllerRuntime = new ControllerRuntime({
    self: me.name, peer: peer.name, controllers, leaseMs: ha.leaseMs, heartbeatTimeoutMs: ha.heartbeatTimeoutMs, policy: init.policy,
    peersAtStart: init.peers, store, dataPath, link, router, mover, peerService, backend, supervisor, logger,
  });
  await runtime.start();
  return runtime;
}
