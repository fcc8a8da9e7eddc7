/**
 * What one controller does for its peer over the authenticated peer link (docs/ha.md
 * "Forwarding", "Reservations and unit attentions"):
 *  - forward-cmd: run a command the non-owner received (executeForwarded), and count a
 *    mode-4 redirect toward the implicit trespass (VNX note: the array trespasses "when
 *    the non-owner has served a configurable number of I/Os more than the owner"). A
 *    controller that is not the owner (any more), or whose volume is moving, runs
 *    nothing: it answers 'not-owner' or 'moving' and the sender routes the command again
 *    (docs/ha.md "Holding commands"), so two controllers never run it around a move;
 *  - pr-update: the peer's persistent reservation state, mirrored before its PR OUT is
 *    acknowledged;
 *  - ua-broadcast: an LU-wide unit attention raised on the peer;
 *  - tmf / lu-reset: abort tasks here for PREEMPT AND ABORT, LOGICAL UNIT RESET and
 *    target resets received by the peer (SAM-5 §7: every task of the task set);
 *  - move-begin / ownership-change / move-abort: the three steps of an ownership move
 *    (ownership-mover.ts).
 * And the other direction: forward() and mirrorPr() send them. A forward that gets no
 * answer from the owner (link down, timeout, the owner gone) or a refusal comes back as
 * `reroute`, never as an error the host would see.
 */
import type { VolumeOwnership } from '../../cluster/index.js';
import type { JsonValue, PeerHandlerResult, PeerInbound, PeerLink } from '../index.js';
import type { Logger } from '../../lib/logger.js';
import type { LogicalUnit, PrStateJson, ScsiTarget } from '../../scsi/index.js';
import type { ForwardResult } from '../../scsi/access-router.js';
import type { SenseReason } from '../../scsi/sense.js';
import type { ScsiCommand } from '../../scsi/types.js';
import { decodeCommand, decodeResponse, encodeCommand, encodeResponse, type ForwardedCommandBody } from './forwarding.js';
import type { HaRouter } from './ha-router.js';
import type { OwnershipMover } from './ownership-mover.js';

export interface PeerServiceDeps {
  self: string;
  peer: string;
  link: PeerLink;
  scsi: ScsiTarget;
  router: HaRouter;
  mover: OwnershipMover;
  lu(volumeId: string): LogicalUnit | undefined;
  /** Reload ownership; remember the ALUA states of these volumes as seen (the peer raised the UA). */
  reloaded(volumeIds: readonly string[]): void;
  /** This controller's view of a volume's ownership (transitioning while a move runs). */
  ownership(volumeId: string): VolumeOwnership | undefined;
  /** Re-read the ownership rows from the store (the truth when two views disagree). */
  refreshOwnership(): void;
  logger: Logger;
}

export class PeerService {
  constructor(private readonly d: PeerServiceDeps) {}

  /** Runs `cmd` on the owner. `aluaCounted`: a mode-4 redirect the owner counts. */
  async forward(volumeId: string, cmd: ScsiCommand, aluaCounted: boolean): Promise<ForwardResult> {
    const { body, payload } = encodeCommand(volumeId, cmd);
    const r = await this.d.link.request('forward-cmd', { ...body, alua: aluaCounted } as unknown as JsonValue, payload, { timeoutMs: 30000 });
    if (r.ok) return decodeResponse(r.body, r.payload);
    if (r.error.code === 'not-owner') this.d.refreshOwnership();
    return { reroute: `${r.error.code}: ${r.error.message}` };
  }

  /** Why this controller must not run a forwarded command for `volumeId` now, or undefined. */
  private refusal(volumeId: string): { code: 'moving' | 'not-owner'; message: string } | undefined {
    const d = this.d;
    let o = d.ownership(volumeId);
    if (o?.transitioning) return { code: 'moving', message: `volume ${volumeId} is moving between controllers` };
    if (o && o.currentOwner !== d.self) {
      d.refreshOwnership();
      o = d.ownership(volumeId);
    }
    if (o && o.currentOwner !== d.self) return { code: 'not-owner', message: `controller ${d.self} does not own volume ${volumeId} (${o.currentOwner} does)` };
    return undefined;
  }

  async mirrorPr(volumeId: string, s: PrStateJson | null): Promise<void> {
    if (!this.d.link.isUp || s === null) return;
    await this.d.link.request('pr-update', { volumeId, state: s as unknown as JsonValue }, undefined, { timeoutMs: 2000 });
  }

  /** An LU-wide unit attention raised here, for the peer's nexuses (no answer awaited). */
  broadcastUa(volumeId: string, reason: SenseReason, except: string | undefined, only: unknown): void {
    this.d.link.send('ua-broadcast', { volumeId, reason, except: except ?? null, only: (only ?? null) as JsonValue });
  }

  /** PREEMPT AND ABORT here: the peer aborts those nexuses' tasks too before the PR OUT completes. */
  async abortOnPeer(volumeId: string, nexusIds: string[]): Promise<void> {
    await this.d.link.request('tmf', { volumeId, nexusIds }, undefined, { timeoutMs: 2000 });
  }

  /** A LUN/target reset here: the peer aborts its tasks on the LU too, before the TMF completes. */
  async luReset(volumeId: string): Promise<void> {
    if (!this.d.link.isUp) return;
    await this.d.link.request('lun-reset', { volumeId }, undefined, { timeoutMs: 5000 });
  }

  async handle(req: PeerInbound): Promise<PeerHandlerResult> {
    const d = this.d;
    const b = req.body as Record<string, JsonValue>;
    const volumeId = typeof b.volumeId === 'string' ? b.volumeId : undefined;
    const lu = volumeId ? d.lu(volumeId) : undefined;
    const ids = Array.isArray(b.volumeIds) ? (b.volumeIds as string[]) : [];
    switch (req.kind) {
      case 'forward-cmd': {
        if (!lu || !volumeId) return { error: { code: 'no-volume', message: `volume ${String(b.volumeId)} is not open here` } };
        const refused = this.refusal(volumeId);
        if (refused) return { error: refused };
        const resp = await d.scsi.executeForwarded(lu, decodeCommand(b as unknown as ForwardedCommandBody, req.payload));
        if (b.alua === true && d.router.redirectedServed(volumeId, d.peer)) {
          void d.mover.trespass(volumeId, d.peer, 'implicit-alua').catch((err: unknown) => d.logger.warn({ err, volumeId }, 'ALUA implicit trespass failed'));
        }
        return encodeResponse(resp);
      }
      case 'pr-update':
        if (lu && b.state) lu.applyPrState(b.state as unknown as PrStateJson);
        return { body: null };
      case 'ua-broadcast':
        lu?.queueUnitAttention(b.reason as SenseReason, (b.except as string | null) ?? undefined, (b.only ?? undefined) as never);
        return { body: null };
      case 'move-begin':
        if (volumeId) await d.mover.peerMoveBegin(volumeId, String(b.from));
        return { body: null };
      case 'ownership-change':
      case 'move-abort':
        d.mover.peerMoveEnd(ids);
        d.reloaded(ids);
        if (req.kind === 'ownership-change') for (const id of ids) d.router.counter.reset(id);
        return { body: null };
      case 'tmf':
        if (lu) await d.scsi.abortTasksOf(lu, b.nexusIds as string[]);
        return { body: null };
      case 'lun-reset':
        if (lu) await d.scsi.resetFromPeer(lu);
        return { body: null };
      default:
        return { body: null };
    }
  }
}
