/**
 * Controller high availability building blocks (docs/ha.md). The words they speak
 * (failover modes, ownership, controller health, ipFailover modes) are src/cluster/.
 */
export {
  AluaTrespassCounter, decideNonOwnerIo,
  type IoCounts, type NonOwnerIoDecision, type NonOwnerIoInput, type OwnerReachability,
} from './failover-mode.js';
export {
  addVolume, aluaStateFor, choosePreferredOwner, emptyModel, failback, isServing, modelFromRecords, move, ownedBy, OwnershipError, OwnershipErrorCode,
  setTransitioning, takeOverAll, trespass, TRESPASS_REASONS,
  type AluaContext, type AluaPolicy, type HealthMap, type OwnershipModel, type OwnershipMove,
  type OwnershipResult, type TrespassReason,
} from './ownership.js';
export {
  alertIds, createFailoverMachine, failoverInitial, failoverTransition, volumesFailedBack,
  type FailbackPolicy, type FailoverConfig, type FailoverEffect, type FailoverEvent, type FailoverMachine, type FailoverSnapshot,
  type FailoverState, type FailoverStep, type FailoverTimer,
} from './failover-machine.js';
export { applyMoves, type ApplyMovesResult, type OwnershipStore } from './ownership-persist.js';
export { bindPeerLink, FailoverRunner, type FailoverHandlers } from './failover-runner.js';
export {
  listenersFor, mustFailOverEntirely, planIpFailover,
  type AddressPlacement, type ControllerPorts, type IpFailoverPlan, type PortState, type ServeReason,
} from './ip-failover.js';
export {
  DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_PAYLOAD_BYTES, encodePeerFrame, PEER_PROTOCOL_VERSION, PEER_REQUEST_KINDS, PeerFrameDecoder,
  validatePeerHeader,
  type JsonValue, type PeerCodecError, type PeerCodecErrorCode, type PeerDecodeResult, type PeerErrorBody, type PeerFrame,
  type PeerHeader, type PeerMessageType, type PeerRequestKind,
} from './peer-codec.js';
export { loadOrCreatePeerSecret, PEER_SECRET_FILE } from './peer-secret.js';
export { newPeerNonce, peerAuthProof, verifyPeerAuthProof, PEER_NONCE_BYTES } from './peer-auth.js';
export {
  PeerLink,
  type PeerEndpoint, type PeerHandlerResult, type PeerHello, type PeerInbound, type PeerLinkEvents, type PeerLinkOptions,
  type PeerReply, type PeerRequestHandler,
} from './peer-link.js';
export { ControllerLease, DEFAULT_LEASE_MS, DEFAULT_LEASE_RENEW_MS, type ControllerLeaseOptions, type LeaseStore } from './lease.js';
export type { LeaseRecord, LeaseRenewOutcome } from '../store/lease-repo.js';
export type { LeaseGuard, OwnershipCasResult, OwnershipRecord } from '../store/ownership-repo.js';
