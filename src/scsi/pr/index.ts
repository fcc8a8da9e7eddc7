/** PERSISTENT RESERVE IN/OUT opcode rows (SPC-4 §6.15, §6.16) and the pure PR model. */
import { ALUA_STANDBY_OK } from '../alua/access-state.js';
import type { OpcodeEntry } from '../command-context.js';
import type { CoreLu } from '../core-context.js';
import { persistentReserveIn } from './pr-in.js';
import { persistentReserveOut } from './pr-out.js';

const PR_IN_NAMES = ['READ KEYS', 'READ RESERVATION', 'REPORT CAPABILITIES', 'READ FULL STATUS'];
const PR_OUT_NAMES = ['REGISTER', 'RESERVE', 'RELEASE', 'CLEAR', 'PREEMPT', 'PREEMPT AND ABORT', 'REGISTER AND IGNORE EXISTING KEY', 'REGISTER AND MOVE'];

export const prOpcodes: OpcodeEntry<CoreLu>[] = [
  ...PR_IN_NAMES.map(
    (n, sa): OpcodeEntry<CoreLu> => ({
      opcode: 0x5e,
      serviceAction: sa,
      name: `PERSISTENT RESERVE IN / ${n}`,
      cdbLength: 10,
      usageMask: [0x5e, 0x1f, 0, 0, 0, 0, 0, 0xff, 0xff, 0x00],
      direction: 'in',
      pr: 'pr',
      allowedUnderSpc2Reserve: false,
      skipsUnitAttention: false,
      aluaAllowed: ALUA_STANDBY_OK,
      handler: persistentReserveIn,
    }),
  ),
  ...PR_OUT_NAMES.map(
    (n, sa): OpcodeEntry<CoreLu> => ({
      opcode: 0x5f,
      serviceAction: sa,
      name: `PERSISTENT RESERVE OUT / ${n}`,
      cdbLength: 10,
      usageMask: [0x5f, 0x1f, 0xff, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x00],
      direction: 'out',
      pr: 'pr',
      allowedUnderSpc2Reserve: false,
      skipsUnitAttention: false,
      aluaAllowed: ALUA_STANDBY_OK,
      handler: persistentReserveOut,
    }),
  ),
];

export { prOut, PrOutAction, type PrOutRequest, type PrOutResult, type PortInfo } from './pr-out-logic.js';
export { emptyPrState, prStateAfterPowerLoss, PrType, type PrStateJson, type PrRegistrationJson } from './pr-state.js';
export { prConflicts } from './conflict.js';
export { encodeTransportId, parseTransportId } from './transport-id.js';
