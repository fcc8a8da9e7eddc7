/**
 * The logical unit state a host sets and must find again whichever controller serves
 * it (docs/ha.md «LU state belongs to the array»), as one JSON-able value, and the
 * events that change it without a command. Pure: the SCSI core applies these, the data
 * path keeps the value in the state store before the command that changed it completes.
 *
 *  - persistent reservations (SPC-4 §5.9): registrations, the reservation and its type,
 *    the PR generation, the APTPL flag;
 *  - the SPC-2 RESERVE holder (SPC-2 §5.5.1), an I_T nexus id;
 *  - the current mode parameter values set by MODE SELECT (SPC-4 §7.5). Saved values
 *    are not implemented (MODE SELECT SP=1 and MODE SENSE PC=11b are refused, SAVING
 *    PARAMETERS NOT SUPPORTED), so at power on the current values are the defaults.
 *
 * What survives what:
 *  - a controller change (takeover, failback, trespass, a restarted controller rejoining)
 *    is not an event of the logical unit at all: everything survives;
 *  - power on of the whole array (`tandem up`, every controller down before):
 *    luStateAfterPowerOn() — PR state only with APTPL ("If the last valid APTPL bit value
 *    received by the device server is zero, the loss of power in the target shall release
 *    the persistent reservation for the logical unit and remove all reservation keys",
 *    SPC-4 §5.9.4), no SPC-2 reservation, default mode values;
 *  - a logical unit reset (LOGICAL UNIT RESET, target warm/cold reset): the SPC-2
 *    reservation is released, PR state and mode values stay (SPC-4 §5.9.3; SAM-5 §6.3.3);
 *  - I_T nexus loss (logout, connection loss, session reinstatement, the death of the
 *    controller the nexus was on): that nexus's SPC-2 reservation is released ("a
 *    reservation ... shall be released ... by an I_T nexus loss", SPC-2 §5.5.1); PR state
 *    stays (registrations belong to the I_T nexus, not to a session).
 *
 * Unit attentions that must outlive their I_T nexus (durableUa): the PR conditions SPC-4
 * establishes "for the initiator port associated with every I_T nexus" that lost its
 * registration or reservation (REGISTRATIONS PREEMPTED, RESERVATIONS PREEMPTED,
 * RESERVATIONS RELEASED, §5.9.11). They are addressed to a registration, which lives on
 * while its nexus comes and goes, so they are kept with the LU state until reported.
 * The others (ASYMMETRIC ACCESS STATE CHANGED, MODE PARAMETERS CHANGED, CAPACITY DATA HAS
 * CHANGED, resets) are for the nexuses that exist when they are raised and end with
 * them (SAM-5 §6.3.4).
 */
import { clonePrState, emptyPrState, prStateAfterPowerLoss, type PrStateJson } from './pr/pr-state.js';
import { checkCondition, GOOD, type SenseReason } from './sense.js';
import type { ScsiResponse } from './types.js';
import { DEFAULT_MODE, type ModeValues } from './spc/mode-state.js';

export interface LuStateJson {
  version: 1;
  pr: PrStateJson;
  /** The I_T nexus id ("initiatorPort|targetPort") holding an SPC-2 RESERVE, or null. */
  spc2Holder: string | null;
  /** Current mode parameter values. */
  mode: ModeValues;
}

/** A unit attention kept with the LU state until reported: for a registration's nexus. */
export interface DurableUa {
  /** Registration's initiator port (or initiator device name: every port of it). */
  initiatorPort: string;
  targetPort: string;
  reason: SenseReason;
}

export interface KnownNexus {
  readonly initiatorPort: string;
  readonly targetPort: string;
}

/** How a change of the LU state ended: saved (and applied), refused because this controller may not change it, or failed. */
export type LuCommitOutcome = 'saved' | 'not-owner' | 'failed';

export interface LuCommit {
  /** The whole new state. */
  state: LuStateJson;
  /** PR unit attentions to keep until reported (lu-state.ts isDurableUa). */
  uas: DurableUa[];
  /** 'command': a host command waits for it; 'event': an I_T nexus loss or a reset. */
  cause: 'command' | 'event';
}

/** Where the LU state is kept (the state store; a test keeps it in memory). */
export interface LuStatePersistence {
  initial?: LuStateJson | undefined;
  /** Makes the state durable before it is applied; 'not-owner' when this controller may not change it. A throw is 'failed'. */
  save(c: LuCommit): Promise<'saved' | 'not-owner'>;
  /** Durable unit attentions pending for a nexus that appears on this LU here. */
  pendingFor?(n: KnownNexus): SenseReason[];
  /** A durable unit attention was reported to (or replaced for) this nexus. */
  reported?(n: KnownNexus, reason: SenseReason): void;
}

const DURABLE: ReadonlySet<SenseReason> = new Set<SenseReason>(['UaRegistrationsPreempted', 'UaReservationsPreempted', 'UaReservationsReleased']);

/**
 * The answer to a host command whose change of the LU state ended so: GOOD once saved;
 * NOT READY, ASYMMETRIC ACCESS STATE TRANSITION (04h/0Ah) when this controller may not
 * change it (the volume moved: hosts retry, and reach the owner); INSUFFICIENT
 * REGISTRATION RESOURCES (05h/55h/04h) when the save failed — nothing was applied.
 */
export function commitResponse(outcome: LuCommitOutcome): ScsiResponse {
  switch (outcome) {
    case 'saved':
      return GOOD;
    case 'not-owner':
      return checkCondition('NotReadyAluaTransition');
    case 'failed':
      return checkCondition('InsufficientRegistrationResources');
  }
}

export function isDurableUa(reason: SenseReason): boolean {
  return DURABLE.has(reason);
}

export function emptyLuState(): LuStateJson {
  return { version: 1, pr: emptyPrState(), spc2Holder: null, mode: { ...DEFAULT_MODE } };
}

export function cloneLuState(s: LuStateJson): LuStateJson {
  return { version: 1, pr: clonePrState(s.pr), spc2Holder: s.spc2Holder, mode: { ...s.mode } };
}

/** Power on of the whole array (SPC-4 §5.9.4 for PR; no saved mode values: defaults). */
export function luStateAfterPowerOn(s: LuStateJson | undefined): LuStateJson {
  return { version: 1, pr: prStateAfterPowerLoss(s?.pr), spc2Holder: null, mode: { ...DEFAULT_MODE } };
}

/** LOGICAL UNIT RESET and target resets: the SPC-2 reservation goes, PR state and mode values stay. */
export function luStateAfterReset(s: LuStateJson): LuStateJson | undefined {
  return s.spc2Holder === null ? undefined : { ...cloneLuState(s), spc2Holder: null };
}

/** I_T nexus loss of `nexusId`; undefined when nothing changes. */
export function luStateAfterNexusLoss(s: LuStateJson, nexusId: string): LuStateJson | undefined {
  return s.spc2Holder === nexusId ? { ...cloneLuState(s), spc2Holder: null } : undefined;
}

/**
 * The nexuses in `live` are the only ones left (a controller died, its nexuses with it):
 * an SPC-2 reservation held by any other is released. Undefined when nothing changes.
 */
export function luStateKeepingNexuses(s: LuStateJson, live: ReadonlySet<string>): LuStateJson | undefined {
  return s.spc2Holder !== null && !live.has(s.spc2Holder) ? { ...cloneLuState(s), spc2Holder: null } : undefined;
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function decodePr(pr: unknown): PrStateJson | string {
  if (pr === null) return emptyPrState();
  if (!isObj(pr) || pr.version !== 1 || typeof pr.generation !== 'number' || typeof pr.aptpl !== 'boolean' || !Array.isArray(pr.registrations)) {
    return 'not a PR state of version 1';
  }
  for (const r of pr.registrations) {
    if (!isObj(r) || typeof r.key !== 'string' || typeof r.initiatorPort !== 'string' || typeof r.targetPort !== 'string') return 'a registration without key or I_T nexus';
  }
  if (pr.reservation !== null && (!isObj(pr.reservation) || typeof pr.reservation.type !== 'number' || !isObj(pr.reservation.holder))) {
    return 'reservation: not a type and holder, nor null';
  }
  return clonePrState(pr as unknown as PrStateJson);
}

function decodeMode(m: unknown): ModeValues | string {
  if (m === null) return { ...DEFAULT_MODE };
  if (!isObj(m) || typeof m.wce !== 'boolean' || typeof m.swp !== 'boolean' || typeof m.dexcpt !== 'boolean' || typeof m.mrie !== 'number') {
    return 'not a set of mode values';
  }
  return { wce: m.wce, swp: m.swp, dexcpt: m.dexcpt, mrie: m.mrie };
}

/**
 * The LU state from its stored parts (parsed JSON; null = never set: no PR state,
 * default mode values), or the reason it is not one. Fields a newer build adds are ignored.
 */
export function luStateFromParts(parts: { pr: unknown; spc2Holder: string | null; mode: unknown }): LuStateJson | string {
  const pr = decodePr(parts.pr);
  if (typeof pr === 'string') return `pr: ${pr}`;
  const mode = decodeMode(parts.mode);
  if (typeof mode === 'string') return `mode: ${mode}`;
  return { version: 1, pr, spc2Holder: parts.spc2Holder, mode };
}
