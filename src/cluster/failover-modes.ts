/**
 * The VNX host failover modes 0–4 as data (VNX note in docs/sources.md; docs/ha.md "I/O
 * on the non-owner"): for each mode its name, what the controller that does NOT own a
 * volume does with the host's I/O, and a description. The one table: the API checks
 * and names modes with it, and the decisions that apply it (decideNonOwnerIo, the mode 4
 * implicit-trespass counter) are src/controller/failover-mode.ts. Pure.
 */
import { ValidationError } from '../lib/errors.js';

export type FailoverMode = 0 | 1 | 2 | 3 | 4;

export const DEFAULT_FAILOVER_MODE: FailoverMode = 4;
/**
 * Mode 4: I/Os the non-owner may serve beyond the owner before an implicit trespass
 * (VNX note: "If the non-optimized SP processes 64,000 or more I/Os than the optimal
 * SP, the array will change the ownership to the non-optimal SP").
 */
export const DEFAULT_ALUA_TRESPASS_THRESHOLD = 64000;

export interface FailoverModeRow {
  readonly mode: FailoverMode;
  /** The short name the operator sees in messages, events and tables. */
  readonly name: string;
  /** What the non-owning controller does with I/O (VNX note wording, docs/sources.md). */
  readonly nonOwnerIo: 'trespass-if-auto-trespass' | 'reject' | 'trespass' | 'reject-tur-good' | 'forward';
  readonly description: string;
}

/** The VNX failover mode table (VNX note in docs/sources.md), as data. */
export const FAILOVER_MODES: Readonly<Record<FailoverMode, FailoverModeRow>> = {
  0: {
    mode: 0, name: 'auto-trespass', nonOwnerIo: 'trespass-if-auto-trespass',
    description: 'LUN based trespass. Auto-trespass on: the volume trespasses to the controller receiving I/O (unit attention to others); ' +
      'off: the LU exists but is not ready (04h/03h manual intervention required) on the non-owner',
  },
  1: {
    mode: 1, name: 'passive not ready', nonOwnerIo: 'reject',
    description: 'I/O to the non-owner is rejected NOT READY 04h/03h, TEST UNIT READY included',
  },
  2: {
    mode: 2, name: 'DMP', nonOwnerIo: 'trespass',
    description: 'I/O to the non-owner trespasses the volume to the controller receiving it',
  },
  3: {
    mode: 3, name: 'passive always ready', nonOwnerIo: 'reject-tur-good',
    description: 'like mode 1, but TEST UNIT READY returns GOOD on the non-owner',
  },
  4: {
    mode: 4, name: 'ALUA', nonOwnerIo: 'forward',
    description: 'asymmetric active/active. I/O to the non-owner is forwarded over the peer link (active/non-optimized); ' +
      'after the threshold more I/Os than the owner, the volume trespasses implicitly',
  },
};

export function isFailoverMode(x: unknown): x is FailoverMode {
  return x === 0 || x === 1 || x === 2 || x === 3 || x === 4;
}

/** "1 passive not ready": a mode with its name, for messages and events ("7 ?" for an unknown one). */
export function failoverModeText(mode: number): string {
  return `${mode} ${isFailoverMode(mode) ? FAILOVER_MODES[mode].name : '?'}`;
}

/** Loose input → a failover mode, or a ValidationError listing the modes by number and name. */
export function checkFailoverMode(value: unknown, field = 'failoverMode'): FailoverMode {
  if (!isFailoverMode(value)) {
    const modes = Object.values(FAILOVER_MODES).map((r) => `${r.mode} ${r.name}`).join(', ');
    throw new ValidationError(`${field} must be one of ${modes} (got ${JSON.stringify(value)})`, field);
  }
  return value;
}
