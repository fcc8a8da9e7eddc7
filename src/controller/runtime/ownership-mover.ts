/**
 * Moves the current ownership of a volume between the controllers of a running array
 * (trespass: manual, SET TARGET PORT GROUPS, failover modes 0/2/4, back-end failure,
 * failback), with an explicit ALUA transitioning state (SPC-4 §5.16.2.5: "While a target
 * port group is in the transitioning state ... the device server shall terminate
 * commands ... with CHECK CONDITION ... NOT READY ... LOGICAL UNIT NOT ACCESSIBLE,
 * ASYMMETRIC ACCESS STATE TRANSITION") visible on both controllers:
 *
 *   1. both controllers mark the volume transitioning (peer: 'move-begin'); new media
 *      commands get NOT READY 04h/0Ah, hosts see 2Ah/06h and RTPG reports transitioning;
 *   2. the old owner drains the commands it is running for the volume (its own and the
 *      ones forwarded to it), so nothing the old owner does overlaps the new owner;
 *   3. the store compare-and-set moves the owner, guarded by this controller's lease
 *      epoch (a fenced controller cannot move anything);
 *   4. the peer reloads ('ownership-change'), both leave transitioning, 2Ah/06h again,
 *      and the event log says who moved what and why.
 *
 * A move between two live controllers needs the peer link: without it the other one
 * would keep serving from its stale view (two owners). Takeover of a dead controller's
 * volumes does not come here (fenced first, see failover-binding.ts).
 */
import type { ClusterPolicy } from '../../cluster/index.js';
import {
  applyMoves, isServing, modelFromRecords, trespass as trespassModel, type HealthMap, type PeerLink, type PeerRequestKind, type TrespassReason,
} from '../index.js';
import { ConflictError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { LogicalUnit, ScsiTarget } from '../../scsi/index.js';
import type { Store } from '../../store/index.js';
import type { ControllerEvent } from './supervisor-link.js';

export interface MoverDeps {
  self: string;
  peer: string;
  controllers: readonly string[];
  store: Store;
  link: PeerLink;
  scsi: ScsiTarget;
  leaseEpoch(): number;
  lu(volumeId: string): { lu: LogicalUnit; name: string } | undefined;
  health(volumeId?: string): HealthMap;
  policy(): ClusterPolicy;
  /** Reload the ownership rows; remember the ALUA states as seen (no second UA). */
  reloaded(volumeIds: readonly string[]): void;
  event(e: ControllerEvent): void;
  /** A move of `volumeId` began (true) or ended (false): `volume show` reports it. */
  movingChanged?(volumeId: string, moving: boolean): void;
  logger: Logger;
}

/** How a move shows in the event log ("volume v1 trespassed from A to B: ALUA implicit, 64000 I/O threshold"). */
export function reasonText(reason: TrespassReason | string, policy: Pick<ClusterPolicy, 'aluaTrespassThreshold'>): string {
  const table: Record<string, string> = {
    'manual': 'manual trespass by an operator',
    'explicit-alua': 'ALUA explicit (SET TARGET PORT GROUPS from a host)',
    'implicit-alua': `ALUA implicit, ${policy.aluaTrespassThreshold} I/O threshold`,
    'failover-mode': 'I/O on the non-owner (failover mode 0 auto-trespass or 2 DMP)',
    'controller-failure': 'controller failure',
    'failback': 'failback to the preferred owner',
    'backend-failure': 'back end unreachable from the owner',
    'backend-repair': 'back end repaired: back to the preferred owner',
    'move': 'preferred owner changed',
    'port-failure': 'port failure (ipFailover)',
    'port-repair': 'ports repaired: back to the preferred owner',
  };
  return table[reason] ?? reason;
}

/**
 * ASYMMETRIC ACCESS STATE CHANGED (SPC-4 §5.16.2.6). Each controller queues it for its
 * own nexuses in the same step that changes the state it reports, so a host never sees
 * the new state through a port before the unit attention is pending there.
 */
const AAS_CHANGED = 'UaAsymmetricAccessStateChanged' as const;

export class OwnershipMover {
  /** Volumes in transition (this controller's view; the peer keeps its own). */
  readonly moving = new Set<string>();
  /** Of those, the ones the peer is moving (marked by its 'move-begin'). */
  private readonly movedByPeer = new Set<string>();

  constructor(private readonly d: MoverDeps) {}

  private peerAlive(): boolean {
    const h = this.d.health()[this.d.peer];
    return h === undefined || isServing(h) || h === 'starting';
  }

  async trespass(volumeId: string, to: string, reason: TrespassReason, opts: { exceptNexusId?: string } = {}): Promise<{ from: string; to: string }> {
    const d = this.d;
    const model = modelFromRecords(d.controllers, d.store.ownership.list());
    const cur = model.volumes[volumeId];
    if (!cur) throw new ConflictError(`volume ${volumeId} has no ownership record`);
    if (cur.currentOwner === to) return { from: to, to };
    if (this.moving.has(volumeId)) throw new ConflictError(`volume ${volumeId} is already moving between controllers; retry in a moment`);
    const r = trespassModel(model, volumeId, to, reason, d.health(volumeId));
    if (!r.ok) throw r.error;
    const usePeer = this.peerAlive();
    if (usePeer && !d.link.isUp) {
      throw new ConflictError(`cannot move volume ${volumeId} from ${cur.currentOwner} to ${to}: the peer link is down and controller ${d.peer} is alive (it would keep serving it); restore the link or disable ${d.peer}`);
    }
    const live = d.lu(volumeId);
    // Each state change here comes with its unit attention in the same step (the peer
    // queues its own on 'move-begin' and 'ownership-change'/'move-abort').
    const changed = (): void => {
      live?.lu.queueUnitAttention(AAS_CHANGED, opts.exceptNexusId);
      d.reloaded([volumeId]);
    };
    this.moving.add(volumeId);
    changed();
    d.movingChanged?.(volumeId, true);
    let peerMarked = false;
    try {
      if (usePeer) {
        await this.ask('move-begin', { volumeId, from: cur.currentOwner });
        peerMarked = true;
      }
      if (cur.currentOwner === d.self && live) await d.scsi.quiesce(live.lu, opts.exceptNexusId);
      const hold = d.policy().aluaTransitionMs ?? 0;
      if (hold > 0) await new Promise((res) => setTimeout(res, hold));
      const applied = applyMoves(d.store, r.moves, Date.now(), { controller: d.self, leaseEpoch: d.leaseEpoch() });
      if (!applied.ok) throw new ConflictError(`trespass of ${volumeId} failed: ${applied.reason}`);
      this.moving.delete(volumeId);
      changed();
      d.movingChanged?.(volumeId, false);
      if (usePeer) await this.ask('ownership-change', { volumeIds: [volumeId] }).catch((err: unknown) => d.logger.warn({ err }, 'peer did not confirm the ownership change'));
      peerMarked = false;
    } catch (err) {
      if (peerMarked) await this.ask('move-abort', { volumeIds: [volumeId] }).catch(() => undefined);
      throw err;
    } finally {
      if (this.moving.delete(volumeId)) { // failed: back to the state before the move
        changed();
        d.movingChanged?.(volumeId, false);
      }
    }
    const m = r.moves[0]!;
    d.event({
      severity: 'info',
      short: `volume ${live?.name ?? volumeId} trespassed from ${cur.currentOwner} to ${to}: ${reasonText(reason, d.policy())}`,
      long: `current owner ${cur.currentOwner} → ${to} (ownership epoch ${m.fromEpoch} → ${m.toEpoch}); preferred owner ${cur.preferredOwner}; ` +
        `hosts saw ALUA transitioning, then ${to} active/optimized, with unit attention 2Ah/06h on every I_T nexus`,
    });
    return { from: cur.currentOwner, to };
  }

  /**
   * Moves each volume to `to`, one after another; a refused move is logged and the others
   * still go (failback, back-end failure and repair). Resolves with how many moved.
   */
  async trespassEach(volumeIds: readonly string[], to: string, reason: TrespassReason): Promise<number> {
    let moved = 0;
    for (const id of volumeIds) {
      try {
        await this.trespass(id, to, reason);
        moved++;
      } catch (err) {
        this.d.logger.error({ err, volume: id, to }, `${reason} trespass failed`);
      }
    }
    return moved;
  }

  /** Peer side of step 1–2: mark, and drain if this controller is the old owner. */
  async peerMoveBegin(volumeId: string, from: string): Promise<void> {
    this.moving.add(volumeId);
    this.movedByPeer.add(volumeId);
    this.d.reloaded([volumeId]);
    const live = this.d.lu(volumeId);
    live?.lu.queueUnitAttention(AAS_CHANGED);
    if (from === this.d.self && live) await this.d.scsi.quiesce(live.lu);
  }

  /** Peer side of step 4 (or of an aborted move): leave transitioning, with the unit attention. */
  peerMoveEnd(volumeIds: readonly string[]): void {
    for (const id of volumeIds) {
      this.movedByPeer.delete(id);
      this.moving.delete(id);
      this.d.lu(id)?.lu.queueUnitAttention(AAS_CHANGED);
    }
  }

  /**
   * The peer link went down: a move the peer was making cannot end here by its
   * 'ownership-change' any more. Leave transitioning and take the store's word for the
   * owner (the move either committed there or not); held commands route by it.
   */
  peerLinkLost(): void {
    const ids = [...this.movedByPeer];
    if (ids.length === 0) return;
    this.d.logger.warn({ volumes: ids }, 'peer link lost during a move the peer was making: ownership re-read from the store');
    this.peerMoveEnd(ids);
    this.d.reloaded(ids);
  }

  private async ask(kind: PeerRequestKind, body: Record<string, string | string[]>): Promise<void> {
    const r = await this.d.link.request(kind, body, undefined, { timeoutMs: 5000 });
    if (!r.ok) throw new ConflictError(`controller ${this.d.peer} refused ${kind}: ${r.error.message}`);
  }
}
