/**
 * Asymmetric access states and their codes: the ASYMMETRIC ACCESS STATE field of a
 * target port group descriptor (SPC-4 §6.37, byte 0 bits 3:0; states described in
 * §5.16.2.4) and of a SET TARGET PORT GROUPS descriptor (SPC-4 §6.45). The one table of
 * the house: the target encodes with it, the initiator and multipath decode with it.
 *
 * LBA dependent (code 4h, §5.16.2.4.7) is in the table because a client must be able to
 * parse it from any target, but it is not an AluaStateName: Tandem's target never
 * reports it (LBD_SUP is zero) and multipath does not route by LBA. Parsers therefore
 * return a ReportedAluaState; code that acts on a state narrows it to an AluaStateName
 * deliberately (multipath treats LBA dependent as unavailable).
 */

/** Name → code, for every state SPC-4 defines. */
export const ALUA_STATE_CODE = {
  'active-optimized': 0x0,
  'active-non-optimized': 0x1,
  standby: 0x2,
  unavailable: 0x3,
  'lba-dependent': 0x4,
  offline: 0xe,
  transitioning: 0xf,
} as const;

/** Any state a device server may report. */
export type ReportedAluaState = keyof typeof ALUA_STATE_CODE;

/** The states Tandem's target reports and its multipath layer follows. */
export type AluaStateName = Exclude<ReportedAluaState, 'lba-dependent'>;

const NAME_BY_CODE: ReadonlyMap<number, ReportedAluaState> = new Map(
  Object.entries(ALUA_STATE_CODE).map(([name, code]) => [code, name as ReportedAluaState]),
);

/** The state a 4-bit ASYMMETRIC ACCESS STATE code names, or undefined for a reserved code. */
export function aluaStateOfCode(code: number): ReportedAluaState | undefined {
  return NAME_BY_CODE.get(code);
}

/**
 * The primary states SET TARGET PORT GROUPS may request of a target port group
 * (SPC-4 §5.16.2.4, §6.45): transitioning, offline and LBA dependent cannot be asked for.
 */
const STPG_STATES = ['active-optimized', 'active-non-optimized', 'standby', 'unavailable'] as const satisfies readonly AluaStateName[];
export type StpgState = (typeof STPG_STATES)[number];
export const STPG_REQUESTABLE: ReadonlySet<ReportedAluaState> = new Set(STPG_STATES);

/** The state a SET TARGET PORT GROUPS descriptor's code requests, or undefined when that code may not be requested. */
export function stpgStateOfCode(code: number): StpgState | undefined {
  return STPG_STATES.find((s) => ALUA_STATE_CODE[s] === code);
}
