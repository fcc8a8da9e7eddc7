/**
 * The face of a connection that the PDU handlers (login completion, full feature
 * dispatch, task management, text, logout) work against. IscsiConnection implements it;
 * keeping it separate keeps the import graph acyclic.
 */
import type { Logger } from '../../lib/logger.js';
import type { NegotiatedParams } from '../pdu/negotiation.js';
import type { TargetPdu } from '../pdu/types.js';
import type { ScsiTask } from './scsi-task.js';
import type { WriteBufferPool } from './write-buffer-pool.js';
import type { Session, SessionConnection } from './session.js';
import type { PortalConfig, TargetContext } from './target-context.js';

export interface ConnectionPort extends SessionConnection {
  phase: 'login' | 'full-feature' | 'closed';
  session: Session<ConnectionPort> | undefined;
  cid: number;
  statSN: number;
  expStatSN: number;
  params: NegotiatedParams | undefined;
  readonly tasks: Map<number, ScsiTask>;
  readonly recentlyAborted: Set<number>;
  textContinuation: { ttt: number; rest: Buffer } | undefined;
  loggedOut: boolean;
  readonly ctx: TargetContext<ConnectionPort>;
  readonly portal: PortalConfig;
  readonly log: Logger;
  readonly remoteAddress: string;
  /** Local IP address the initiator reached us on. */
  readonly localHost: string;
  readonly peerMaxRecv: number;
  /** Reusable buffers for gathering large writes (optional: test doubles leave it out). */
  readonly writeBuffers?: WriteBufferPool;
  readonly expCmdSN: number;
  readonly maxCmdSN: number;
  nextTtt(): number;
  /** Queue a PDU; onSent (optional) runs once the socket has written it (err: it was not). */
  send(pdu: TargetPdu, onSent?: (err?: Error | null) => void): void;
  batch(fn: () => void): void;
  batchDeferred(fn: () => void): void;
  reject(reason: number, bhs: Buffer, why: string): void;
  closeAfterFlush(reason: string): void;
}
