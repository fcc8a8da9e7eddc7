/**
 * One path to a logical unit: one I_T nexus (an initiator session to one target
 * portal) plus the LUN. The host agent adapts an InitiatorSession to this; multipath/
 * never sees the initiator's internals.
 *
 * Failure semantics: execute() never rejects. A 'transport-error' outcome means the
 * command may or may not have been executed by the device server (the connection died
 * or the command timed out and was aborted); a 'status' outcome means the target
 * answered. 'up' / 'down' events report the connection coming and going; `connected`
 * reflects the latest of them.
 */
import type { EventEmitter } from 'node:events';
import type { ScsiOutcome, ScsiRequest } from '../iscsi/initiator/types.js';

export type { ScsiOutcome, ScsiRequest };

export interface PathTransport extends EventEmitter {
  /** e.g. "127.0.0.2:3260,tpgt2,lun0" (src/host/agent.ts pathName) — unique among the paths of a host. */
  readonly id: string;
  /** "host:port" of the target portal. */
  readonly portal: string;
  readonly connected: boolean;
  execute(req: ScsiRequest): Promise<ScsiOutcome>;
  close(): Promise<void>;
}
