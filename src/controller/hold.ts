/**
 * When a controller holds a command instead of answering it (docs/ha.md "Holding
 * commands"). Pure: the facts in, a reason (or none) out, from one table.
 *
 * A command that needs the owner of its volume (media access, TEST UNIT READY, PR,
 * mode pages: everything an AccessRouter routes) cannot be decided while the volume
 * changes hands or while its owner cannot be reached. Rather than fail it with a status
 * a host without ALUA does not retry, the controller keeps it in the task set without
 * starting it (SAM-5 task states: a dormant task waits in the task set before the device server
 * processes it) until the facts change — the move ends, the takeover happens, the peer
 * link comes back — and then routes it again. The wait is bounded (HOLD_LIMIT_MS); past
 * the bound the command gets the answer of the access state it waited in.
 *
 * The table, first match wins:
 *
 * | facts                                                                   | reason            |
 * |-------------------------------------------------------------------------|-------------------|
 * | the volume is transitioning, the transition is not meant to be seen     | transitioning     |
 * | this controller lost the back end and owns the volume, the peer can own | backend-moving    |
 * | the owner is the peer, alive but not reachable (link down, or starting) | owner-unreachable |
 * | anything else                                                           | none              |
 *
 * A transition is meant to be seen only when the operator asked hosts to see it
 * (`cluster policy set --transition-hold MS`, a drill) and the host follows ALUA (VNX
 * failover mode 4): then media commands get NOT READY 04h/0Ah as SPC-4 §5.16.2.4.6
 * describes the transitioning state. A dead owner (failed, fenced, disabled) is not a
 * reason: the router takes the volume over at once (docs/ha.md "I/O on the non-owner").
 * 'owner-unreachable' applies only to hosts whose failover mode would have the command
 * served through the non-owner (forwarded or trespassed); modes 1 and 3 answer without
 * the owner anyway.
 */
import type { ControllerHealth, VolumeOwnership } from '../cluster/index.js';
import type { HealthMap } from './ownership.js';

export const HOLD_REASONS = ['transitioning', 'backend-moving', 'owner-unreachable'] as const;
export type HoldReason = (typeof HOLD_REASONS)[number];

/**
 * The longest a command is held, ms: the IMPLICIT TRANSITION TIME REPORT TARGET PORT
 * GROUPS reports (10 s, src/scsi/spc/report-target-port-groups.ts), well inside the
 * command timeouts of host stacks (Linux sd 30 s, Windows disk 60 s) and the 600 ms
 * heartbeat timeout plus 800 ms lease a hung owner costs (docs/ha.md "Failure
 * detection, fencing, takeover").
 */
export const HOLD_LIMIT_MS = 10_000;

export interface HoldFacts {
  readonly self: string;
  readonly volume: VolumeOwnership;
  /** Health of every controller as it concerns this volume (this one's back end may have failed for it). */
  readonly health: HealthMap;
  readonly peerLinkUp: boolean;
  /** The operator asked hosts to see transitions (policy aluaTransitionMs > 0) and this host follows ALUA. */
  readonly transitionVisible: boolean;
  /** This host's failover mode has the non-owner serve the command (forward or trespass) when the owner is reachable. */
  readonly nonOwnerServes: boolean;
}

const DEAD: ReadonlySet<ControllerHealth> = new Set(['failed', 'fenced', 'disabled']);

interface Row {
  readonly reason: HoldReason;
  readonly when: (f: HoldFacts) => boolean;
}

const ownerIsPeer = (f: HoldFacts): boolean => f.volume.currentOwner !== f.self;
const ownerHealth = (f: HoldFacts): ControllerHealth => f.health[f.volume.currentOwner] ?? 'online';
const selfBackendFailed = (f: HoldFacts): boolean => f.health[f.self] === 'backend-failed';
const peerCanOwn = (f: HoldFacts): boolean => Object.entries(f.health).some(([c, h]) => c !== f.self && h === 'online');

const TABLE: readonly Row[] = [
  { reason: 'transitioning', when: (f) => f.volume.transitioning && !f.transitionVisible },
  { reason: 'backend-moving', when: (f) => selfBackendFailed(f) && !ownerIsPeer(f) && f.peerLinkUp && peerCanOwn(f) },
  {
    reason: 'owner-unreachable',
    when: (f) => ownerIsPeer(f) && !DEAD.has(ownerHealth(f)) && (selfBackendFailed(f) || f.nonOwnerServes)
      && (!f.peerLinkUp || ownerHealth(f) === 'starting'),
  },
];

/** Why a routed command must wait now, or undefined when it can be decided. */
export function holdReason(f: HoldFacts): HoldReason | undefined {
  return TABLE.find((r) => r.when(f))?.reason;
}
