/**
 * The SCSI client codec: CDB builders, Data-In parsers, the sense decoder and the tables
 * client and target share (ALUA states, status codes). Pure: imports only lib/, never
 * touches a socket or a timer. Used by the initiator, multipath, the host agent, tests
 * and benches alike; the target uses its shared tables.
 */
export { ALUA_STATE_CODE, STPG_REQUESTABLE, aluaStateOfCode, stpgStateOfCode, type AluaStateName, type ReportedAluaState, type StpgState } from './alua-state.js';
export { ASC_NAMES } from './asc-names.js';
export * from './cdb-sbc.js';
export * from './cdb-spc.js';
export { parseGetLbaStatus, parseReadCapacity16, ProvisioningStatus, type LbaStatusDescriptor, type ReadCapacity16 } from './capacity.js';
export { parseDeviceIdentification, parseStandardInquiry, parseUnitSerial, type Designator, type DeviceIdentification, type StandardInquiry } from './inquiry.js';
export { parsePersistentReserveIn, type PrCapabilities, type PrFullStatus, type PrInResult, type PrReservation } from './pr-in.js';
export { parseReportLuns } from './report-luns.js';
export { Opcode, ServiceAction, type CdbRequest } from './request.js';
export { parseReportTargetPortGroups, type ReportTargetPortGroups, type TargetPortGroupDescriptor } from './rtpg.js';
export { ascName, decodeSense, SENSE_KEY_NAMES, type DecodedSense } from './sense.js';
export { ScsiStatus } from './status.js';
