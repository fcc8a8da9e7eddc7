/**
 * The supervisor ↔ controller protocol over IPC: ONE table of every op with who sends
 * it, the checker of its arguments and, for a request, the checker of its result. The
 * receiving end checks what it receives (endpoint.ts): a controller checks the
 * arguments of each request before its runtime sees them, the supervisor the results
 * and the controller's own requests and notes. Anything malformed is an IpcMessageError
 * answered to the caller (or, for a note, logged and dropped), never a crash.
 *
 * Supervisor → controller: 'init' (start the runtime), the control-plane relay
 * ('volume-created' … 'access-changed', 'ownership-reload', 'sessions'), ownership and
 * failover ('trespass', 'take-over', 'peer-rejoining', 'peer-health', 'policy'), the
 * address plan ('listeners'), faults ('link-cut' … 'backend-repair'), 'status', 'serve'
 * (the array is configured: accept logins, docs/ha.md "Portals that serve"), 'stop'.
 * Controller → supervisor: the request 'fence' (the supervisor is the fence agent) and
 * the notes 'event' (HA runtime), 'datapath-event' (login, logout, TMF, reset …),
 * 'alert' and 'moving'.
 */
import type { PortalConfig as IscsiPortal } from '../../iscsi/target/iscsi-target.js';
import { CONTROLLER_HEALTHS, IP_FAILOVER_MODES, NON_OWNER_STATES, type ClusterPolicy, type ControllerHealth } from '../../cluster/index.js';
import { TRESPASS_REASONS } from '../../controller/index.js';
import type { ListenersResult, PortalListener } from '../../controller/runtime/controller-listeners.js';
import type { ControllerStatus } from '../../controller/runtime/controller-runtime.js';
import type { ControllerEvent } from '../../controller/runtime/supervisor-link.js';
import type { HaConfig } from '../../config/ha-config.js';
import { DATA_PATH_CATEGORIES, type DataPathEvent } from '../../datapath/target-events.js';
import type { SessionInfo } from '../../management/data-plane.js';
import { SEVERITY_ORDER } from '../../lib/severity.js';
import type { VolumeRecord } from '../../store/records.js';
import {
  array, boolean, integer, nothing, nullable, object, oneOf, optional, partial, record, scalar, string, type Check, type Checked,
} from './check.js';

// ---- the shapes that travel ----

const volumeRecord: Check<VolumeRecord> = object({
  id: string, name: string, sizeBytes: integer, blockSize: oneOf([512, 4096]), thin: boolean, backing: oneOf(['file', 'memory']),
  path: nullable(string), naa: string, serial: string, writeProtected: boolean, createdAt: string,
});

const policyFields = {
  failback: oneOf(['manual', 'auto']),
  failbackDelayMs: integer,
  nonOwnerState: oneOf(NON_OWNER_STATES),
  aluaTrespassThreshold: integer,
  heartbeatIntervalMs: integer,
  heartbeatTimeoutMs: integer,
  defaultFailoverMode: oneOf([0, 1, 2, 3, 4]),
  aluaTransitionMs: integer,
};
const clusterPolicy: Check<ClusterPolicy> = object(policyFields);

const haPort = { name: string, host: string, port: integer, tpgt: integer, relativeTargetPortId: integer, targetPortGroupId: integer };
const haConfig: Check<HaConfig> = object({
  controllers: array(object({ name: string, index: integer, ports: array(object(haPort)), ipFailover: oneOf(IP_FAILOVER_MODES), peerPort: integer })),
  heartbeatIntervalMs: integer,
  heartbeatTimeoutMs: integer,
  leaseMs: integer,
  policy: optional(object(partial(policyFields))),
});

const controllerHealth: Check<ControllerHealth> = oneOf(CONTROLLER_HEALTHS);
const severity = oneOf(SEVERITY_ORDER);

const iscsiPortal: Check<IscsiPortal> = object({ host: string, port: integer, tpgt: integer, relativeTargetPortId: integer, targetPortGroupId: integer });
const portalListener: Check<PortalListener> = object({
  host: string, port: integer, tpgt: integer, relativeTargetPortId: integer, targetPortGroupId: integer, homeController: string, homePort: string,
});
const listenersResult: Check<ListenersResult> = object({ listening: array(string), added: array(string), removed: array(string), errors: array(string) });

const sessionInfo: Check<SessionInfo> = object({
  initiatorName: string, isid: string, tsih: integer, type: oneOf(['normal', 'discovery']), loginAt: string,
  connections: array(object({ cid: integer, local: string, remote: string, portalGroupTag: integer, params: record(scalar) })),
});

const controllerStatus: Check<ControllerStatus> = object({ hosted: array(string), owned: array(string), backendFailed: array(string), linkUp: boolean });

/** What the supervisor sends a controller process at start. */
const controllerInit = object({
  self: string,
  dataDir: string,
  ha: haConfig,
  /** Peer link: where controller A listens (B connects). */
  peerLinkPort: integer,
  nopIntervalMs: integer,
  nopTimeoutMs: integer,
  policy: clusterPolicy,
  /** Health of the other controllers as the supervisor sees them at fork time. */
  peers: record(controllerHealth),
  logLevel: string,
});
export type ControllerInit = Checked<typeof controllerInit>;

const controllerEvent: Check<ControllerEvent> = object({ severity, short: string, long: optional(string) });
const dataPathEvent: Check<DataPathEvent> = object({ category: oneOf(DATA_PATH_CATEGORIES), severity, actor: string, short: string });

const volume = object({ v: volumeRecord });
const named = object({ name: string });
const maybeVolumeId = object({ volumeId: optional(string) });

// ---- the table ----

type Side = 'supervisor' | 'controller';
interface RequestSpec<F extends Side, A, R> { readonly kind: 'request'; readonly from: F; readonly args: Check<A>; readonly result: Check<R> }
interface NoteSpec<F extends Side, A> { readonly kind: 'note'; readonly from: F; readonly args: Check<A> }

const toController = <A, R>(args: Check<A>, result: Check<R>): RequestSpec<'supervisor', A, R> => ({ kind: 'request', from: 'supervisor', args, result });
const toSupervisor = <A, R>(args: Check<A>, result: Check<R>): RequestSpec<'controller', A, R> => ({ kind: 'request', from: 'controller', args, result });
const noteToSupervisor = <A>(args: Check<A>): NoteSpec<'controller', A> => ({ kind: 'note', from: 'controller', args });

export const IPC_PROTOCOL = {
  'init': toController(controllerInit, object({ pid: integer, portals: array(iscsiPortal) })),
  'volume-created': toController(object({ v: volumeRecord, create: boolean }), nothing),
  'volume-resized': toController(object({ v: volumeRecord, size: integer }), nothing),
  'volume-deleted': toController(volume, nothing),
  'write-protect': toController(object({ v: volumeRecord, wp: boolean }), nothing),
  'access-changed': toController(nothing, nothing),
  'ownership-reload': toController(nothing, nothing),
  'sessions': toController(nothing, array(sessionInfo)),
  'trespass': toController(object({ volumeId: string, to: string, reason: oneOf(TRESPASS_REASONS) }), object({ from: string, to: string })),
  'take-over': toController(object({ name: string, why: optional(string), disabled: optional(boolean) }), nothing),
  'peer-rejoining': toController(named, nothing),
  'peer-health': toController(object({ name: string, health: controllerHealth }), nothing),
  'policy': toController(object({ policy: clusterPolicy }), nothing),
  'listeners': toController(object({ listeners: array(portalListener), why: string, served: optional(array(string)) }), listenersResult),
  'link-cut': toController(nothing, nothing),
  'link-restore': toController(nothing, nothing),
  'backend-fail': toController(maybeVolumeId, string),
  'backend-repair': toController(maybeVolumeId, string),
  'status': toController(nothing, controllerStatus),
  'serve': toController(nothing, nothing),
  'stop': toController(nothing, nothing),

  'fence': toSupervisor(object({ name: string, reason: string }), nothing),
  'event': noteToSupervisor(controllerEvent),
  'datapath-event': noteToSupervisor(dataPathEvent),
  'alert': noteToSupervisor(object({ op: oneOf(['raise', 'clear']), id: string, message: optional(string) })),
  'moving': noteToSupervisor(object({ volumeId: string, on: boolean })),
} as const;

export type IpcProtocol = typeof IPC_PROTOCOL;
export type IpcOp = keyof IpcProtocol;
export type IpcSide = Side;
export type RequestOp<S extends Side> = { [K in IpcOp]: IpcProtocol[K] extends RequestSpec<S, infer _A, infer _R> ? K : never }[IpcOp];
export type NoteOp<S extends Side> = { [K in IpcOp]: IpcProtocol[K] extends NoteSpec<S, infer _A> ? K : never }[IpcOp];
export type ArgsOf<K extends IpcOp> = Checked<IpcProtocol[K]['args']>;
export type ResultOf<K extends IpcOp> = IpcProtocol[K] extends RequestSpec<Side, infer _A, infer R> ? R : never;

/** The entry of `op` when it is an op `from` may send as `kind`. */
export function specOf(op: string, from: Side, kind: 'request' | 'note'): IpcProtocol[IpcOp] | undefined {
  const spec = (IPC_PROTOCOL as Record<string, IpcProtocol[IpcOp] | undefined>)[op];
  return spec && spec.from === from && spec.kind === kind ? spec : undefined;
}
