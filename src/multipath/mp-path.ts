/**
 * The runtime record of one path inside a multipath device: the transport, its state
 * machine snapshot (path-state.ts), where it sits (target port group, relative port)
 * and counters for the status display.
 */
import type { PathTransport } from './path-transport.js';
import type { GroupablePath } from './path-groups.js';
import type { PathSnapshot, PathState } from './path-state.js';
import type { AluaStateName } from '../scsi/wire/index.js';

export class MpPath implements GroupablePath {
  inflight = 0;
  ios = 0;
  errors = 0;
  checking = false;
  /** Identity confirmed by probing (VPD 83h/80h matched the device). */
  verified: boolean;
  /** Probed and found to lead to a different LU: never used. */
  wrongDevice = false;
  tpg: number | undefined;
  relPort: number | undefined;
  readonly listeners: { up: () => void; down: (reason?: unknown) => void };

  constructor(
    readonly transport: PathTransport,
    public snap: PathSnapshot,
    where: { verified: boolean; tpg?: number; relPort?: number },
    listeners: { up: () => void; down: (reason?: unknown) => void },
  ) {
    this.verified = where.verified;
    this.tpg = where.tpg;
    this.relPort = where.relPort;
    this.listeners = listeners;
  }

  get id(): string {
    return this.transport.id;
  }

  get state(): PathState {
    return this.snap.state;
  }

  get alua(): AluaStateName {
    return this.snap.alua;
  }
}
