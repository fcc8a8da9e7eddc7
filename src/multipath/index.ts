/**
 * Public face of the ALUA-aware multipath layer. The CDBs it sends, the data it parses and
 * the ALUA state names are the SCSI client codec's (scsi/wire/index.js).
 */
export type { PathTransport, ScsiRequest, ScsiOutcome } from './path-transport.js';
export { MultipathDevice, type MultipathOptions } from './multipath-device.js';
export { MultipathIoError, classify, type IoErrorCode, type Verdict } from './classify.js';
export { groupPathsByIdentity, probePath, checkPath, identityKey, ProbeError, type DeviceIdentity, type IdentityGroup, type PathProbe } from './probe.js';
export { formatStatus, type MultipathStatus, type PathStatus, type PathGroupStatus } from './status.js';
export { transition, initialSnapshot, type PathState, type PathSnapshot, type PathEvent, type PathEffect, type CheckResult } from './path-state.js';
export { createSelector, RoundRobinSelector, LeastQueueDepthSelector, type SelectorName, type PathSelector } from './selector.js';
export { buildPathGroups, bestUsablePaths, groupPriority, followedState, ALUA_PRIORITY } from './path-groups.js';
