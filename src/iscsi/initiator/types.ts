/**
 * The initiator's public shapes: what a SCSI request through one I_T nexus looks like
 * and how it can end. Shared with multipath/ (which decides retries) and host/.
 */
import type { CdbRequest } from '../../scsi/wire/index.js';

/** A request as the SCSI client codec builds it, plus how this nexus should carry it. */
export interface ScsiRequest extends CdbRequest {
  taskAttr?: 'simple' | 'ordered' | 'head';
  /** Give up (and abort the task) after this many ms; default: the session's commandTimeout. */
  timeoutMs?: number;
}

/**
 * How a command ended. 'status': the target answered (GOOD or not). 'transport-error':
 * the connection failed or the command timed out before a response — the command may or
 * may not have been executed (the caller decides whether re-issuing is safe).
 */
export type ScsiOutcome =
  | { kind: 'status'; status: number; sense?: Buffer; data: Buffer; residual: number; overflow: boolean }
  | { kind: 'transport-error'; error: Error };

export interface ChapConfig {
  user: string;
  secret: string;
  /** Mutual CHAP: the target must answer with this name and secret. */
  mutualUser?: string;
  mutualSecret?: string;
}
