/**
 * Public face of our iSCSI initiator (RFC 7143) and its typed SCSI layer. The CDBs,
 * parsers and sense decoder it uses are the SCSI client codec's (scsi/wire/index.js).
 */
export type { ChapConfig, ScsiOutcome, ScsiRequest } from './types.js';
export { InitiatorSession, TmfFunction, TmfResponse, type InitiatorSessionOptions, type SessionState } from './session.js';
export { randomIsid } from './isid.js';
export { discover } from './discovery.js';
export { parseSendTargets, parseTargetAddress, type DiscoveredTarget } from './send-targets.js';
export { LoginError, LoginStatusClass } from './login-error.js';
export { scsi, ScsiCommandError, type ScsiExecutor, type RwOptions } from './scsi-commands.js';
