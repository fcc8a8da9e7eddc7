/**
 * What a controller asks of, and tells, its supervisor (the fence agent and keeper of
 * the event log and alerts). The daemon wires it to the typed IPC channel.
 */
import type { Severity } from '../../lib/severity.js';

/** A change worth the event log ("controller B took over 2 volume(s) from A: …"). */
export interface ControllerEvent {
  severity: Severity;
  short: string;
  long?: string;
}

export interface SupervisorLink {
  /** Asks the supervisor to SIGKILL `peer` and bump its lease epoch; resolves once it is done. */
  fence(peer: string, reason: string): Promise<void>;
  event(e: ControllerEvent): void;
  alert(op: 'raise' | 'clear', id: string, message?: string): void;
  /** A move of `volumeId` began (true) or ended (false): `volume show` reports it. */
  moving(volumeId: string, on: boolean): void;
}
