/**
 * What every connection of one IscsiTarget shares: configuration, the SCSI core, the
 * session registry and the event sink. Built by IscsiTarget; no module-level state.
 */
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { ScsiTargetPort } from '../../scsi/types.js';
import type { TargetLimits } from '../pdu/negotiation.js';
import type { AuthPolicy } from './auth-policy.js';
import type { SessionRegistry } from './session-registry.js';
import type { SessionConnection } from './session.js';

export interface PortalConfig {
  host: string;
  port: number;
  tpgt: number;
  relativeTargetPortId: number;
  targetPortGroupId: number;
}

export type TargetEventType = 'login' | 'logout' | 'login-failed' | 'connection-lost' | 'session-reinstated';

export interface TargetEvent {
  type: TargetEventType;
  initiatorName: string;
  detail: string;
}

export interface TargetContext<C extends SessionConnection = SessionConnection> {
  readonly targetName: string;
  readonly scsi: ScsiTargetPort;
  readonly auth: AuthPolicy;
  readonly limits: TargetLimits;
  readonly queueDepth: number;
  readonly nopInterval: number;
  readonly nopTimeout: number;
  readonly loginTimeout: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly registry: SessionRegistry<C>;
  emit(e: TargetEvent): void;
  /** Does the target serve its logical units yet (logins before are refused 0x0301)? */
  serving(): boolean;
  /** Every portal with its bound port (for SendTargets). */
  portals(): PortalConfig[];
  /** Every live connection of the target (LUN/target resets reach across sessions). */
  connections(): Iterable<C>;
}
