/**
 * Reservation conflicts under a persistent reservation (SPC-4 §5.9.1, Table 41 "SPC
 * commands that are allowed in the presence of various reservations", with SBC-4's
 * equivalent table for block commands). Each opcode row says how it behaves
 * (PrConflictClass); this function applies the reservation type:
 *  - the holder never conflicts;
 *  - 'allowed' and 'pr' rows never conflict here (PR OUT checks keys itself);
 *  - 'read' rows conflict for Exclusive Access holders' non-holders, and for
 *    non-registrants under EA-RO / EA-AR;
 *  - 'write' rows conflict for every non-holder under WE/EA, and for non-registrants
 *    under the registrants-only and all-registrants types;
 *  - 'conflict' rows conflict for every non-holder.
 */
import type { PrConflictClass } from '../command-context.js';
import { findRegistration, isHolder, PrType, type PrStateJson } from './pr-state.js';

export function prConflicts(s: PrStateJson, nexus: { initiatorPort: string; targetPort: string }, cls: PrConflictClass): boolean {
  const res = s.reservation;
  if (!res || cls === 'allowed' || cls === 'pr') return false;
  if (isHolder(s, nexus)) return false;
  if (cls === 'conflict') return true;
  const registered = findRegistration(s, nexus) !== undefined;
  switch (res.type) {
    case PrType.WriteExclusive:
      return cls === 'write';
    case PrType.ExclusiveAccess:
      return true;
    case PrType.WriteExclusiveRegistrantsOnly:
    case PrType.WriteExclusiveAllRegistrants:
      return cls === 'write' && !registered;
    case PrType.ExclusiveAccessRegistrantsOnly:
    case PrType.ExclusiveAccessAllRegistrants:
      return !registered;
    default:
      return true;
  }
}
