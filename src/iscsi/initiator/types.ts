/**
 * The initiator's public shapes: what a SCSI request through one I_T nexus looks like
 * and how it can end. Shared with multipath/ (which decides retries) and host/.
 */

export interface ScsiRequest {
  cdb: Buffer;
  /** Data-Out for writes (its length is the expected data transfer length). */
  dataOut?: Buffer;
  /** Bytes of Data-In expected (0 or absent for none). */
  dataInLength?: number;
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

/** Decoded sense data (SPC-4 §4.5), fixed or descriptor format. */
export interface DecodedSense {
  key: number;
  asc: number;
  ascq: number;
  /** INFORMATION field when VALID is set. */
  information?: number;
  /** A short name such as "UNIT ATTENTION: ASYMMETRIC ACCESS STATE CHANGED". */
  description: string;
}
