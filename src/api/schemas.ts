/**
 * The REST contract of the management API, shared by the server (validation and the
 * OpenAPI document) and by the CLI (types only). This file imports nothing but TypeBox,
 * the client-side half of the contract (lib/api-contract.ts: file names, actor header,
 * error body), which the shared API client needs without the schemas, the one severity
 * vocabulary (lib/severity.ts), the failover mode table (cluster/failover-modes.ts) and
 * the controller states the operator sees (cluster/controllers.ts).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { ApiErrorBody } from '../lib/api-contract.js';
import { CONTROLLER_REPORTED_STATES } from '../cluster/controllers.js';
import { FAILOVER_MODES } from '../cluster/failover-modes.js';
import { SEVERITY_ORDER } from '../lib/severity.js';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Name = (description: string) => Type.String({ description: `${description}: 1-63 characters [A-Za-z0-9._-], starting with a letter or digit` });

export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String({ description: 'VALIDATION | NOT_FOUND | CONFLICT | UNAUTHORIZED | INTERNAL' }),
    message: Type.String(),
    field: Type.Optional(Type.String({ description: 'the request field the error is about' })),
  }),
});
export type ErrorBody = Static<typeof ErrorBody>;
// The shared client reads errors as ApiErrorBody: a change of this schema it could not read does not compile.
true satisfies (ErrorBody extends ApiErrorBody ? true : never);

export const Health = Type.Object({ status: Type.Literal('ok'), arrayId: Type.String() });
export type Health = Static<typeof Health>;

export const Portal = Type.Object({ host: Type.String(), port: Type.Integer(), tpgt: Type.Integer() });
export const Target = Type.Object({ iqn: Type.String(), arrayId: Type.String(), portals: Type.Array(Portal) });
export type Target = Static<typeof Target>;

export const MappingTarget = Type.Union([Type.Literal('host'), Type.Literal('hostGroup'), Type.Literal('allLoopback')]);
export const Mapping = Type.Object({
  id: Type.Integer(),
  volumeName: Type.String(),
  kind: MappingTarget,
  hostName: Nullable(Type.String({ description: "set when kind = 'host'" })),
  hostGroupName: Nullable(Type.String({ description: "set when kind = 'hostGroup'" })),
  lun: Type.Integer(),
  createdAt: Type.String(),
});
export type Mapping = Static<typeof Mapping>;

export const BlockSize = Type.Union([Type.Literal(512), Type.Literal(4096)]);
export const Backing = Type.Union([Type.Literal('file'), Type.Literal('memory')]);

export const Volume = Type.Object({
  id: Type.String(),
  name: Type.String(),
  sizeBytes: Type.Integer(),
  blockSize: BlockSize,
  thin: Type.Boolean(),
  backing: Backing,
  path: Nullable(Type.String()),
  naa: Type.String({ description: 'NAA type 6 designator (VPD 0x83), 32 hex digits' }),
  serial: Type.String({ description: 'unit serial number (VPD 0x80)' }),
  writeProtected: Type.Boolean(),
  createdAt: Type.String(),
  allocatedBytes: Nullable(Type.Integer()),
  mappings: Type.Array(Mapping),
  preferredOwner: Type.Optional(Type.String({ description: 'dual-controller arrays only: the controller the volume returns to' })),
  currentOwner: Type.Optional(Type.String({ description: 'dual-controller arrays only: the controller serving the volume now' })),
  autoTrespass: Type.Optional(Type.Boolean({ description: 'dual-controller arrays only: I/O from a failover-mode-0 host on the non-owner trespasses the volume' })),
  ownershipTransitioning: Type.Optional(Type.Boolean({ description: 'dual-controller arrays only: an ownership change is under way' })),
});
export type Volume = Static<typeof Volume>;

export const CreateVolumeBody = Type.Object({
  name: Name('volume name'),
  sizeBytes: Type.Integer({ minimum: 1, description: 'bytes; a multiple of blockSize, at least 1 MiB' }),
  blockSize: Type.Optional(BlockSize),
  thin: Type.Optional(Type.Boolean()),
  backing: Type.Optional(Backing),
  owner: Type.Optional(Type.String({ description: 'dual-controller arrays only: the preferred owner (default: the controller with fewer preferred volumes)' })),
}, { additionalProperties: false });
export type CreateVolumeBody = Static<typeof CreateVolumeBody>;

export const PatchVolumeBody = Type.Object({
  sizeBytes: Type.Optional(Type.Integer({ minimum: 1 })),
  writeProtected: Type.Optional(Type.Boolean()),
  force: Type.Optional(Type.Boolean({ description: 'allow shrinking (destroys data beyond the new end)' })),
  autoTrespass: Type.Optional(Type.Boolean({ description: 'dual-controller arrays only (VNX failover mode 0)' })),
}, { additionalProperties: false });
export type PatchVolumeBody = Static<typeof PatchVolumeBody>;

export const ForceQuery = Type.Object({ force: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
export type ForceQuery = Static<typeof ForceQuery>;

export const NameParams = Type.Object({ name: Type.String() });
export type NameParams = Static<typeof NameParams>;

export const ChapBody = Type.Object({
  user: Type.String(),
  secret: Type.String({ description: '12-255 characters (RFC 7143 §12.1.3)' }),
  mutualUser: Type.Optional(Type.String()),
  mutualSecret: Type.Optional(Type.String()),
}, { additionalProperties: false });
export type ChapBody = Static<typeof ChapBody>;

export const Host = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  initiators: Type.Array(Type.String()),
  chap: Nullable(Type.Object({ user: Type.String(), mutualUser: Nullable(Type.String()) })),
  failoverMode: Nullable(Type.Integer()),
  hostGroups: Type.Array(Type.String()),
  createdAt: Type.String(),
});
export type Host = Static<typeof Host>;

export const CreateHostBody = Type.Object({
  name: Name('host name'),
  initiators: Type.Optional(Type.Array(Type.String({ description: 'iqn./eui./naa. name (RFC 7143 §4.2.7.2)' }))),
  chap: Type.Optional(ChapBody),
}, { additionalProperties: false });
export type CreateHostBody = Static<typeof CreateHostBody>;

export const RenameBody = Type.Object({ name: Name('new name') }, { additionalProperties: false });
export type RenameBody = Static<typeof RenameBody>;

export const PatchHostBody = Type.Object({
  name: Type.Optional(Name('new name')),
  // A type list, not anyOf: with type coercion on, anyOf [integer, null] would turn null into 0.
  failoverMode: Type.Optional(Type.Unsafe<number | null>({
    type: ['integer', 'null'],
    description: 'VNX failover mode: 0 auto-trespass, 1 passive not ready, 2 DMP, 3 passive always ready, 4 ALUA; null = the array default',
  })),
}, { additionalProperties: false });
export type PatchHostBody = Static<typeof PatchHostBody>;

export const InitiatorBody = Type.Object({ initiator: Type.String() }, { additionalProperties: false });
export type InitiatorBody = Static<typeof InitiatorBody>;
export const InitiatorParams = Type.Object({ name: Type.String(), initiator: Type.String() });
export type InitiatorParams = Static<typeof InitiatorParams>;

export const HostGroup = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  hosts: Type.Array(Type.String()),
  createdAt: Type.String(),
});
export type HostGroup = Static<typeof HostGroup>;

export const CreateHostGroupBody = Type.Object({
  name: Name('host group name'),
  hosts: Type.Optional(Type.Array(Type.String())),
}, { additionalProperties: false });
export type CreateHostGroupBody = Static<typeof CreateHostGroupBody>;

export const MemberBody = Type.Object({ host: Type.String() }, { additionalProperties: false });
export type MemberBody = Static<typeof MemberBody>;
export const MemberParams = Type.Object({ name: Type.String(), host: Type.String() });
export type MemberParams = Static<typeof MemberParams>;

export const CreateMappingBody = Type.Object({
  volume: Type.String(),
  host: Type.Optional(Type.String()),
  hostGroup: Type.Optional(Type.String()),
  allLoopback: Type.Optional(Type.Boolean({ description: 'every initiator that logs in on a loopback portal' })),
  lun: Type.Optional(Type.Integer({ description: '0..16383; omitted = lowest free' })),
}, { additionalProperties: false });
export type CreateMappingBody = Static<typeof CreateMappingBody>;

export const MappingListQuery = Type.Object({ volume: Type.Optional(Type.String()) }, { additionalProperties: false });
export type MappingListQuery = Static<typeof MappingListQuery>;
export const IdParams = Type.Object({ id: Type.Integer() });
export type IdParams = Static<typeof IdParams>;

export const Session = Type.Object({
  initiatorName: Type.String(),
  isid: Type.String(),
  tsih: Type.Integer(),
  type: Type.Union([Type.Literal('normal'), Type.Literal('discovery')]),
  loginAt: Type.String(),
  connections: Type.Array(Type.Object({
    cid: Type.Integer(),
    local: Type.String(),
    remote: Type.String(),
    portalGroupTag: Type.Integer(),
    params: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
  })),
});
export type Session = Static<typeof Session>;

export const Severity = Type.Union(SEVERITY_ORDER.map((s) => Type.Literal(s)));
export const Event = Type.Object({
  id: Type.Integer(),
  time: Type.String(),
  severity: Severity,
  category: Type.String(),
  short: Type.String(),
  long: Nullable(Type.String()),
  actor: Type.String(),
});
export type Event = Static<typeof Event>;

export const EventQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
  severity: Type.Optional(Type.String({ description: `minimum severity: ${SEVERITY_ORDER.join(' | ')}` })),
  since: Type.Optional(Type.String({ description: 'ISO 8601 time' })),
}, { additionalProperties: false });
export type EventQuery = Static<typeof EventQuery>;

/** Contents of `<dataDir>/api.json`, written by the daemon when the API listens. */
export const ApiEndpointFile = Type.Object({ url: Type.String(), pid: Type.Integer(), startedAt: Type.String() });
export type ApiEndpointFile = Static<typeof ApiEndpointFile>;

// ---- dual-controller (HA) surface -------------------------------------------------

/** 'failed-over': running, but its ports failed it over to its peer, which serves its addresses and volumes (cluster/controllers.ts). */
export const ControllerState = Type.Union(CONTROLLER_REPORTED_STATES.map((x) => Type.Literal(x)), {
  description: 'online | starting | failed | disabled | fenced | stopped | failed-over (running, but its ports failed it over to its peer)',
});
export const ControllerPort = Type.Object({
  name: Type.String({ description: 'e.g. A0' }),
  address: Type.String({ description: 'host:port of the portal' }),
  servedBy: Nullable(Type.String({ description: 'the port (e.g. A1, B0; in a test double possibly the controller) listening on the address now; null = nobody' })),
  link: Type.Union([Type.Literal('up'), Type.Literal('down')]),
});
export type ControllerPort = Static<typeof ControllerPort>;
export const Controller = Type.Object({
  name: Type.String(),
  pid: Nullable(Type.Integer()),
  state: ControllerState,
  ports: Type.Array(ControllerPort),
  volumesOwned: Type.Array(Type.String()),
  ipFailover: Type.Union((['local', 'remote', 'both', 'none'] as const).map((x) => Type.Literal(x))),
  leaseEpoch: Type.Optional(Type.Integer({ description: 'its lease epoch in the state store: bumped by every start and every fence' })),
});
export type Controller = Static<typeof Controller>;
/** PATCH /v1/controllers/:name. The value is checked by checkIpFailover (its error names the valid modes). */
export const PatchControllerBody = Type.Object({
  ipFailover: Type.String({ description: 'DS300 ipfailover mode: local | remote | both | none' }),
}, { additionalProperties: false });
export type PatchControllerBody = Static<typeof PatchControllerBody>;

export const TrespassBody = Type.Object({
  to: Type.Optional(Type.String({ description: 'controller to trespass to; omitted = the other controller' })),
}, { additionalProperties: false });
export type TrespassBody = Static<typeof TrespassBody>;
export const TrespassResult = Type.Object({ volume: Type.String(), from: Type.String(), to: Type.String() });
export type TrespassResult = Static<typeof TrespassResult>;
export const FailbackResult = Type.Object({ controller: Type.String(), moved: Type.Array(TrespassResult) });
export type FailbackResult = Static<typeof FailbackResult>;
export const MoveBody = Type.Object({ to: Type.String({ description: 'the new preferred owner' }) }, { additionalProperties: false });
export type MoveBody = Static<typeof MoveBody>;

export const FAULT_KIND_NAMES = ['kill-controller', 'hang-controller', 'port-down', 'port-up', 'peer-link-cut', 'peer-link-restore', 'backend-fail', 'backend-repair'] as const;
export const FaultBody = Type.Object({
  kind: Type.Union(FAULT_KIND_NAMES.map((x) => Type.Literal(x))),
  controller: Type.Optional(Type.String({ description: 'kill-controller, hang-controller, backend-fail, backend-repair' })),
  port: Type.Optional(Type.String({ description: 'port-down, port-up' })),
  volume: Type.Optional(Type.String({ description: 'backend-fail, backend-repair: only this volume' })),
}, { additionalProperties: false });
export type FaultBody = Static<typeof FaultBody>;
export const FaultResult = Type.Object({ kind: Type.String(), message: Type.String() });
export type FaultResult = Static<typeof FaultResult>;

export const Alert = Type.Object({
  id: Type.Integer(),
  raisedAt: Type.String(),
  clearedAt: Nullable(Type.String()),
  severity: Severity,
  key: Type.String({ description: 'stable identity of the condition, e.g. controller-failed:B' }),
  short: Type.String(),
  long: Nullable(Type.String()),
  action: Type.String({ description: 'what the operator should do' }),
});
export type Alert = Static<typeof Alert>;
export const AlertQuery = Type.Object({ open: Type.Optional(Type.Boolean({ description: 'true = only open alerts' })) }, { additionalProperties: false });
export type AlertQuery = Static<typeof AlertQuery>;

export const NON_OWNER_STATE_NAMES = ['active-non-optimized', 'standby'] as const;
export const ClusterPolicy = Type.Object({
  failback: Type.Union([Type.Literal('manual'), Type.Literal('auto')]),
  failbackDelayMs: Type.Integer(),
  nonOwnerState: Type.Union(NON_OWNER_STATE_NAMES.map((x) => Type.Literal(x))),
  aluaTrespassThreshold: Type.Integer({ description: 'failover mode 4: I/Os beyond the owner before an implicit trespass' }),
  heartbeatIntervalMs: Type.Integer(),
  heartbeatTimeoutMs: Type.Integer(),
  defaultFailoverMode: Type.Integer({ description: 'failover mode (0..4) of hosts without their own' }),
  aluaTransitionMs: Type.Integer({ description: 'shortest time an ownership move holds the ALUA transitioning state (ms)' }),
});
export type ClusterPolicy = Static<typeof ClusterPolicy>;
export const PatchPolicyBody = Type.Partial(ClusterPolicy, { additionalProperties: false });
export type PatchPolicyBody = Static<typeof PatchPolicyBody>;

/**
 * VNX initiator failover modes by number, for the CLI's messages and tables (the CLI may
 * import this file only): the names of the one mode table, src/cluster/failover-modes.ts.
 */
export const FAILOVER_MODE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.values(FAILOVER_MODES).map((r) => [r.mode, r.name]));
