/**
 * Persistent reservation state (SPC-4 §5.9 "Reservations"), kept as a JSON-able value
 * so that it can be persisted (APTPL, SPC-4 §5.9.4) and mirrored to a peer controller.
 * Registrations are keyed by I_T nexus: "the device server shall ... associate the
 * reservation key with the I_T nexus" (SPC-4 §5.9.7). A registration made from a
 * TransportID without an ISID (format 00b) names an initiator device and matches every
 * initiator port of that device.
 */

/** Reservation types (SPC-4 Table 175). */
export const PrType = {
  WriteExclusive: 0x1,
  ExclusiveAccess: 0x3,
  WriteExclusiveRegistrantsOnly: 0x5,
  ExclusiveAccessRegistrantsOnly: 0x6,
  WriteExclusiveAllRegistrants: 0x7,
  ExclusiveAccessAllRegistrants: 0x8,
} as const;
export type PrTypeValue = (typeof PrType)[keyof typeof PrType];

export const VALID_PR_TYPES: ReadonlySet<number> = new Set(Object.values(PrType));

export function isAllRegistrants(type: number): boolean {
  return type === PrType.WriteExclusiveAllRegistrants || type === PrType.ExclusiveAccessAllRegistrants;
}
export function isRegistrantsOnly(type: number): boolean {
  return type === PrType.WriteExclusiveRegistrantsOnly || type === PrType.ExclusiveAccessRegistrantsOnly;
}

export interface PrRegistrationJson {
  /** Reservation key, 16 lowercase hex digits. */
  key: string;
  /** SCSI initiator port name ("iqn…,i,0x<ISID>") or initiator device name alone. */
  initiatorPort: string;
  /** SCSI target port name ("iqn…,t,0x<TPGT>"). */
  targetPort: string;
  relativeTargetPortId: number;
  /** TransportID of the initiator, hex (READ FULL STATUS). */
  transportId: string;
  /** Registered with ALL_TG_PT=1 (READ FULL STATUS). */
  allTgPt: boolean;
}

export interface PrReservationJson {
  type: number;
  /** The holder's I_T nexus (for all-registrants types: the nexus that reserved). */
  holder: { initiatorPort: string; targetPort: string };
}

export interface PrStateJson {
  version: 1;
  /** PRGENERATION (SPC-4 §6.15.2), 32-bit wrapping. */
  generation: number;
  /** Activate Persist Through Power Loss, as last set by a registering command. */
  aptpl: boolean;
  registrations: PrRegistrationJson[];
  reservation: PrReservationJson | null;
}

/** The I_T nexus fields PR logic uses. */
export interface PrNexus {
  readonly initiatorPort: string;
  readonly targetPort: string;
  readonly relativeTargetPortId: number;
  readonly transportId: Buffer;
}

export function emptyPrState(): PrStateJson {
  return { version: 1, generation: 0, aptpl: false, registrations: [], reservation: null };
}

/**
 * The state a logical unit starts with after a power cycle: SPC-4 §5.9.4, "If the
 * APTPL bit is set to zero ... the device server shall not preserve" the registrations
 * and reservation across a power loss. (A controller failover is not a power loss: the
 * peer takes the mirrored state as it is.)
 */
export function prStateAfterPowerLoss(saved: PrStateJson | undefined): PrStateJson {
  return saved && saved.aptpl ? clonePrState(saved) : emptyPrState();
}

export function clonePrState(s: PrStateJson): PrStateJson {
  return {
    version: 1,
    generation: s.generation,
    aptpl: s.aptpl,
    registrations: s.registrations.map((r) => ({ ...r })),
    reservation: s.reservation ? { type: s.reservation.type, holder: { ...s.reservation.holder } } : null,
  };
}

export function keyHex(k: bigint): string {
  return k.toString(16).padStart(16, '0');
}

function namePart(port: string): string {
  const i = port.toLowerCase().indexOf(',i,');
  return (i < 0 ? port : port.slice(0, i)).toLowerCase();
}

/** Does a registration (or holder) name this nexus's initiator port? */
export function initiatorMatches(regPort: string, nexusPort: string): boolean {
  const r = regPort.toLowerCase();
  const n = nexusPort.toLowerCase();
  if (r === n) return true;
  return !r.includes(',i,') && r === namePart(n);
}

export function regMatches(reg: { initiatorPort: string; targetPort: string }, nexus: { initiatorPort: string; targetPort: string }): boolean {
  return reg.targetPort.toLowerCase() === nexus.targetPort.toLowerCase() && initiatorMatches(reg.initiatorPort, nexus.initiatorPort);
}

export function findRegistration(s: PrStateJson, nexus: { initiatorPort: string; targetPort: string }): PrRegistrationJson | undefined {
  return s.registrations.find((r) => regMatches(r, nexus));
}

/** SPC-4 §5.9.10: the holder is the reserving nexus, or every registrant for all-registrants types. */
export function isHolder(s: PrStateJson, nexus: { initiatorPort: string; targetPort: string }): boolean {
  if (!s.reservation) return false;
  if (isAllRegistrants(s.reservation.type)) return findRegistration(s, nexus) !== undefined;
  return regMatches(s.reservation.holder, nexus);
}
