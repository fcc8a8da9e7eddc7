/**
 * PERSISTENT RESERVE OUT service actions as a pure function over PrStateJson
 * (SPC-4 §6.16, §5.9.7–§5.9.11). prOut(state, nexus, request, ports) returns the new
 * state, the outcome, the unit attentions to establish, and the registrations whose
 * tasks PREEMPT AND ABORT must abort. Nothing here performs I/O; the caller persists the
 * new state (APTPL) before it acknowledges the command.
 */
import type { SenseReason } from '../sense.js';
import {
  clonePrState,
  findRegistration,
  isAllRegistrants,
  isHolder,
  isRegistrantsOnly,
  keyHex,
  regMatches,
  VALID_PR_TYPES,
  type PrNexus,
  type PrRegistrationJson,
  type PrStateJson,
} from './pr-state.js';
import { encodeTransportId, type ParsedTransportId } from './transport-id.js';

export const PrOutAction = {
  Register: 0x0,
  Reserve: 0x1,
  Release: 0x2,
  Clear: 0x3,
  Preempt: 0x4,
  PreemptAndAbort: 0x5,
  RegisterAndIgnore: 0x6,
  RegisterAndMove: 0x7,
} as const;

export interface PrOutRequest {
  action: number;
  scope: number;
  type: number;
  reservationKey: bigint;
  serviceActionKey: bigint;
  specIPt: boolean;
  allTgPt: boolean;
  aptpl: boolean;
  /** SPEC_I_PT TransportIDs, already parsed. */
  transportIds: ParsedTransportId[];
  /** REGISTER AND MOVE. */
  move?: { relativeTargetPortId: number; transportId: ParsedTransportId; unreg: boolean };
}

export interface PortInfo {
  readonly relativeTargetPortId: number;
  readonly targetPortGroupId: number;
  /** SCSI target port name, "iqn…,t,0x<TPGT>". */
  readonly name: string;
}

export type PrOutcome =
  | { kind: 'good' }
  | { kind: 'conflict' }
  | { kind: 'check'; reason: SenseReason; field?: { cdb: boolean; byte: number; bit?: number | undefined } | undefined };

export interface PrUa {
  initiatorPort: string;
  targetPort: string;
  reason: SenseReason;
}

export interface PrOutResult {
  state: PrStateJson;
  outcome: PrOutcome;
  changed: boolean;
  uas: PrUa[];
  /** Registrations whose I_T nexuses' tasks are to be aborted (PREEMPT AND ABORT). */
  aborts: Array<{ initiatorPort: string; targetPort: string }>;
}

const GOOD: PrOutcome = { kind: 'good' };
const CONFLICT: PrOutcome = { kind: 'conflict' };
const check = (reason: SenseReason, field?: { cdb: boolean; byte: number; bit?: number }): PrOutcome => ({ kind: 'check', reason, field });

function unchanged(state: PrStateJson, outcome: PrOutcome): PrOutResult {
  return { state, outcome, changed: false, uas: [], aborts: [] };
}

function bumpGeneration(s: PrStateJson): void {
  s.generation = (s.generation + 1) >>> 0;
}

function uaFor(regs: PrRegistrationJson[], reason: SenseReason): PrUa[] {
  return regs.map((r) => ({ initiatorPort: r.initiatorPort, targetPort: r.targetPort, reason }));
}

/** Target ports a registration covers: every port of the array with ALL_TG_PT, else the nexus's. */
function targetPortsFor(nexus: PrNexus, allTgPt: boolean, ports: readonly PortInfo[]): Array<{ name: string; rtpi: number }> {
  const own = { name: nexus.targetPort, rtpi: nexus.relativeTargetPortId };
  if (!allTgPt || ports.length === 0) return [own];
  const out = ports.map((p) => ({ name: p.name, rtpi: p.relativeTargetPortId }));
  if (!out.some((p) => p.name.toLowerCase() === own.name.toLowerCase())) out.push(own);
  return out;
}

function upsert(s: PrStateJson, reg: PrRegistrationJson): void {
  const existing = s.registrations.find((r) => r.initiatorPort.toLowerCase() === reg.initiatorPort.toLowerCase() && r.targetPort.toLowerCase() === reg.targetPort.toLowerCase());
  if (existing) Object.assign(existing, reg);
  else s.registrations.push(reg);
}

/** Remove a registration and apply SPC-4 §5.9.11.x consequences for the reservation. */
function removeRegistration(s: PrStateJson, reg: PrRegistrationJson, uas: PrUa[], releasedUaForRo: boolean): void {
  s.registrations = s.registrations.filter((r) => r !== reg);
  const res = s.reservation;
  if (!res) return;
  if (isAllRegistrants(res.type)) {
    if (s.registrations.length === 0) s.reservation = null;
    return;
  }
  if (regMatches(res.holder, reg) || regMatches(reg, res.holder)) {
    s.reservation = null;
    // SPC-4 §5.9.11.2: when the holder of a registrants-only reservation unregisters,
    // "the device server shall establish a unit attention condition ... RESERVATIONS RELEASED"
    // for the other registrants.
    if (releasedUaForRo && isRegistrantsOnly(res.type)) uas.push(...uaFor(s.registrations, 'UaReservationsReleased'));
  }
}

function register(state: PrStateJson, nexus: PrNexus, req: PrOutRequest, ports: readonly PortInfo[], ignoreKey: boolean): PrOutResult {
  const mine = findRegistration(state, nexus);
  if (!ignoreKey) {
    if (!mine && req.reservationKey !== 0n) return unchanged(state, CONFLICT);
    if (mine && BigInt('0x' + mine.key) !== req.reservationKey) return unchanged(state, CONFLICT);
  }
  if (req.specIPt && (ignoreKey || mine)) return unchanged(state, check('InvalidFieldInParameterList', { cdb: false, byte: 20, bit: 3 }));
  const s = clonePrState(state);
  const uas: PrUa[] = [];
  if (req.serviceActionKey === 0n) {
    if (!mine) return unchanged(state, GOOD);
    const m = findRegistration(s, nexus)!;
    removeRegistration(s, m, uas, true);
    s.aptpl = req.aptpl;
    bumpGeneration(s);
    return { state: s, outcome: GOOD, changed: true, uas, aborts: [] };
  }
  const key = keyHex(req.serviceActionKey);
  if (mine) {
    findRegistration(s, nexus)!.key = key;
  } else {
    const targets = targetPortsFor(nexus, req.allTgPt, ports);
    const newcomers: Array<{ initiatorPort: string; tid: Buffer }> = [{ initiatorPort: nexus.initiatorPort, tid: nexus.transportId }];
    for (const t of req.transportIds) {
      for (const tp of targets) {
        if (findRegistration(s, { initiatorPort: t.initiatorPort, targetPort: tp.name }) && t.initiatorPort.toLowerCase() !== nexus.initiatorPort.toLowerCase()) {
          return unchanged(state, check('InvalidFieldInParameterList', { cdb: false, byte: 24 }));
        }
      }
      newcomers.push({ initiatorPort: t.initiatorPort, tid: t.raw });
    }
    for (const n of newcomers) {
      for (const tp of targets) {
        upsert(s, {
          key,
          initiatorPort: n.initiatorPort,
          targetPort: tp.name,
          relativeTargetPortId: tp.rtpi,
          transportId: (n.tid.length > 0 ? n.tid : encodeTransportId(n.initiatorPort)).toString('hex'),
          allTgPt: req.allTgPt,
        });
      }
    }
  }
  s.aptpl = req.aptpl;
  bumpGeneration(s);
  return { state: s, outcome: GOOD, changed: true, uas, aborts: [] };
}

function checkScopeType(req: PrOutRequest): PrOutcome | undefined {
  if (req.scope !== 0) return check('InvalidFieldInCdb', { cdb: true, byte: 2, bit: 7 });
  if (!VALID_PR_TYPES.has(req.type)) return check('InvalidFieldInCdb', { cdb: true, byte: 2, bit: 3 });
  return undefined;
}

function registeredWithKey(state: PrStateJson, nexus: PrNexus, key: bigint): PrRegistrationJson | undefined {
  const r = findRegistration(state, nexus);
  return r && BigInt('0x' + r.key) === key ? r : undefined;
}

function reserve(state: PrStateJson, nexus: PrNexus, req: PrOutRequest): PrOutResult {
  const bad = checkScopeType(req);
  if (bad) return unchanged(state, bad);
  if (!registeredWithKey(state, nexus, req.reservationKey)) return unchanged(state, CONFLICT);
  const res = state.reservation;
  if (res) {
    // SPC-4 §5.9.9: a holder re-reserving with the same type and scope gets GOOD; anything else conflicts.
    return unchanged(state, isHolder(state, nexus) && res.type === req.type ? GOOD : CONFLICT);
  }
  const s = clonePrState(state);
  s.reservation = { type: req.type, holder: { initiatorPort: nexus.initiatorPort, targetPort: nexus.targetPort } };
  return { state: s, outcome: GOOD, changed: true, uas: [], aborts: [] };
}

function release(state: PrStateJson, nexus: PrNexus, req: PrOutRequest): PrOutResult {
  if (!registeredWithKey(state, nexus, req.reservationKey)) return unchanged(state, CONFLICT);
  const res = state.reservation;
  if (!res || !isHolder(state, nexus)) return unchanged(state, GOOD);
  // SPC-4 §5.9.11.2: "If the scope and type ... do not match ... INVALID RELEASE OF PERSISTENT RESERVATION".
  if (req.scope !== 0 || req.type !== res.type) return unchanged(state, check('InvalidReleaseOfPersistentReservation'));
  const s = clonePrState(state);
  s.reservation = null;
  const uas: PrUa[] = [];
  if (isRegistrantsOnly(res.type) || isAllRegistrants(res.type)) {
    uas.push(...uaFor(s.registrations.filter((r) => !regMatches(r, nexus)), 'UaReservationsReleased'));
  }
  return { state: s, outcome: GOOD, changed: true, uas, aborts: [] };
}

function clear(state: PrStateJson, nexus: PrNexus, req: PrOutRequest): PrOutResult {
  if (!registeredWithKey(state, nexus, req.reservationKey)) return unchanged(state, CONFLICT);
  const s = clonePrState(state);
  const uas = uaFor(s.registrations.filter((r) => !regMatches(r, nexus)), 'UaReservationsPreempted');
  s.registrations = [];
  s.reservation = null;
  bumpGeneration(s);
  return { state: s, outcome: GOOD, changed: true, uas, aborts: [] };
}

function preempt(state: PrStateJson, nexus: PrNexus, req: PrOutRequest, abort: boolean): PrOutResult {
  if (!registeredWithKey(state, nexus, req.reservationKey)) return unchanged(state, CONFLICT);
  const s = clonePrState(state);
  const res = s.reservation;
  const notMe = (r: PrRegistrationJson) => !regMatches(r, nexus);
  const uas: PrUa[] = [];
  let victims: PrRegistrationJson[];
  const holderReg = res && !isAllRegistrants(res.type) ? s.registrations.find((r) => regMatches(r, res.holder)) : undefined;
  const preemptsReservation = res !== null && (isAllRegistrants(res.type) ? req.serviceActionKey === 0n : holderReg !== undefined && BigInt('0x' + holderReg.key) === req.serviceActionKey);
  if (preemptsReservation) {
    const bad = checkScopeType(req);
    if (bad) return unchanged(state, bad);
    victims = isAllRegistrants(res!.type) ? s.registrations.filter(notMe) : s.registrations.filter((r) => notMe(r) && BigInt('0x' + r.key) === req.serviceActionKey);
    s.registrations = s.registrations.filter((r) => !victims.includes(r));
    const typeChanged = res!.type !== req.type;
    s.reservation = { type: req.type, holder: { initiatorPort: nexus.initiatorPort, targetPort: nexus.targetPort } };
    uas.push(...uaFor(victims, 'UaRegistrationsPreempted'));
    if (typeChanged) uas.push(...uaFor(s.registrations.filter(notMe), 'UaReservationsReleased'));
  } else {
    // SPC-4 §5.9.11.4.3: with no reservation to preempt, "If the SERVICE ACTION RESERVATION KEY
    // field is set to zero, ... INVALID FIELD IN PARAMETER LIST"; a key nobody holds conflicts.
    if (req.serviceActionKey === 0n) return unchanged(state, check('InvalidFieldInParameterList', { cdb: false, byte: 8 }));
    const matching = s.registrations.filter((r) => BigInt('0x' + r.key) === req.serviceActionKey);
    if (matching.length === 0) return unchanged(state, CONFLICT);
    victims = matching.filter(notMe);
    for (const v of victims) removeRegistration(s, v, uas, false);
    uas.push(...uaFor(victims, 'UaRegistrationsPreempted'));
  }
  bumpGeneration(s);
  return { state: s, outcome: GOOD, changed: true, uas, aborts: abort ? victims.map((v) => ({ initiatorPort: v.initiatorPort, targetPort: v.targetPort })) : [] };
}

function registerAndMove(state: PrStateJson, nexus: PrNexus, req: PrOutRequest, ports: readonly PortInfo[]): PrOutResult {
  const mine = registeredWithKey(state, nexus, req.reservationKey);
  if (!mine) return unchanged(state, CONFLICT);
  const res = state.reservation;
  if (!res || isAllRegistrants(res.type) || !isHolder(state, nexus)) return unchanged(state, CONFLICT);
  if (req.serviceActionKey === 0n) return unchanged(state, check('InvalidFieldInParameterList', { cdb: false, byte: 8 }));
  const mv = req.move!;
  const port = ports.find((p) => p.relativeTargetPortId === mv.relativeTargetPortId) ?? (mv.relativeTargetPortId === nexus.relativeTargetPortId ? { name: nexus.targetPort, relativeTargetPortId: nexus.relativeTargetPortId } : undefined);
  if (!port) return unchanged(state, check('InvalidFieldInParameterList', { cdb: false, byte: 18 }));
  const dest = { initiatorPort: mv.transportId.initiatorPort, targetPort: port.name };
  if (regMatches(dest, nexus) || regMatches({ initiatorPort: nexus.initiatorPort, targetPort: nexus.targetPort }, dest)) {
    return unchanged(state, check('InvalidFieldInParameterList', { cdb: false, byte: 24 }));
  }
  const s = clonePrState(state);
  upsert(s, {
    key: keyHex(req.serviceActionKey),
    initiatorPort: dest.initiatorPort,
    targetPort: dest.targetPort,
    relativeTargetPortId: port.relativeTargetPortId,
    transportId: mv.transportId.raw.toString('hex'),
    allTgPt: false,
  });
  s.reservation = { type: req.type === 0 ? res.type : req.type, holder: dest };
  if (mv.unreg) s.registrations = s.registrations.filter((r) => !regMatches(r, nexus));
  s.aptpl = req.aptpl;
  bumpGeneration(s);
  return { state: s, outcome: GOOD, changed: true, uas: [], aborts: [] };
}

export function prOut(state: PrStateJson, nexus: PrNexus, req: PrOutRequest, ports: readonly PortInfo[]): PrOutResult {
  if (req.specIPt && req.action !== PrOutAction.Register) {
    return unchanged(state, check('InvalidFieldInParameterList', { cdb: false, byte: 20, bit: 3 }));
  }
  switch (req.action) {
    case PrOutAction.Register:
      return register(state, nexus, req, ports, false);
    case PrOutAction.RegisterAndIgnore:
      return register(state, nexus, req, ports, true);
    case PrOutAction.Reserve:
      return reserve(state, nexus, req);
    case PrOutAction.Release:
      return release(state, nexus, req);
    case PrOutAction.Clear:
      return clear(state, nexus, req);
    case PrOutAction.Preempt:
      return preempt(state, nexus, req, false);
    case PrOutAction.PreemptAndAbort:
      return preempt(state, nexus, req, true);
    case PrOutAction.RegisterAndMove:
      return registerAndMove(state, nexus, req, ports);
    default:
      return unchanged(state, check('InvalidFieldInCdb', { cdb: true, byte: 1, bit: 4 }));
  }
}
