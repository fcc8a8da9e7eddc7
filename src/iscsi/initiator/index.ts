/** Public face of our iSCSI initiator (RFC 7143) and its typed SCSI layer. */
export type { ChapConfig, DecodedSense, ScsiOutcome, ScsiRequest } from './types.js';
export { InitiatorSession, TmfFunction, TmfResponse, type InitiatorSessionOptions, type SessionState } from './session.js';
export { randomIsid } from './isid.js';
export { discover } from './discovery.js';
export { parseSendTargets, parseTargetAddress, type DiscoveredTarget } from './send-targets.js';
export { LoginError, LoginStatusClass } from './login-error.js';
export { decodeSense, ascName, SENSE_KEY_NAMES } from './sense-decode.js';
export { scsi, ScsiCommandError, ScsiStatus, type ScsiExecutor, type RwOptions } from './scsi-commands.js';
export { AluaState, type AluaStateName, type PrOutParams } from './scsi-cdb.js';
export type { Capacity16, DeviceIdentification, StandardInquiry, TargetPortGroupDescriptor, PrInResult } from './scsi-parse.js';
