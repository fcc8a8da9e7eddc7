/** Public face of the transport-agnostic SCSI target core. */
export { LogicalUnit, type LogicalUnitOptions, type UaTargets } from './logical-unit.js';
export {
  cloneLuState, emptyLuState, isDurableUa, luStateAfterPowerOn, luStateFromParts,
  type DurableUa, type KnownNexus, type LuCommit, type LuCommitOutcome, type LuStateJson, type LuStatePersistence,
} from './lu-state.js';
export type { AccessRouter, RouteDecision, TargetPortGroupInfo } from './access-router.js';
export { ScsiTarget, type LunAccess, type ScsiTargetOptions } from './scsi-target.js';
export { buildOpcodeTable, OpcodeTable } from './opcode-table.js';
export { emptyPrState, prStateAfterPowerLoss, PrType, regMatches, type PrStateJson, type PrRegistrationJson } from './pr/pr-state.js';
export type { PortInfo } from './pr/pr-out-logic.js';
export { aluaCheck } from './alua/access-state.js';
export { isRoutable } from './alua/routing.js';
export { setTargetPortGroupsRow } from './spc/set-target-port-groups.js';
export * from './types.js';
export * from './sense.js';
export type * from './command-context.js';
