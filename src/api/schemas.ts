/**
 * The REST contract of the management API, shared by the server (validation and the
 * OpenAPI document) and by the CLI (types only). This file imports nothing but TypeBox.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

export const API_TOKEN_FILE = 'api-token';
export const API_ENDPOINT_FILE = 'api.json';
/** Header a client may send to name itself in the event log ("... by cli"). */
export const ACTOR_HEADER = 'x-tandem-actor';

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
});
export type Volume = Static<typeof Volume>;

export const CreateVolumeBody = Type.Object({
  name: Name('volume name'),
  sizeBytes: Type.Integer({ minimum: 1, description: 'bytes; a multiple of blockSize, at least 1 MiB' }),
  blockSize: Type.Optional(BlockSize),
  thin: Type.Optional(Type.Boolean()),
  backing: Type.Optional(Backing),
}, { additionalProperties: false });
export type CreateVolumeBody = Static<typeof CreateVolumeBody>;

export const PatchVolumeBody = Type.Object({
  sizeBytes: Type.Optional(Type.Integer({ minimum: 1 })),
  writeProtected: Type.Optional(Type.Boolean()),
  force: Type.Optional(Type.Boolean({ description: 'allow shrinking (destroys data beyond the new end)' })),
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

export const Severity = Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('error'), Type.Literal('critical')]);
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
  severity: Type.Optional(Type.String({ description: 'minimum severity: info | warning | error | critical' })),
  since: Type.Optional(Type.String({ description: 'ISO 8601 time' })),
}, { additionalProperties: false });
export type EventQuery = Static<typeof EventQuery>;

/** Contents of `<dataDir>/api.json`, written by the daemon when the API listens. */
export const ApiEndpointFile = Type.Object({ url: Type.String(), pid: Type.Integer(), startedAt: Type.String() });
export type ApiEndpointFile = Static<typeof ApiEndpointFile>;
