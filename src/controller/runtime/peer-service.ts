/**
 * What one controller does for its peer over the authenticated peer link (docs/ha.md
 * "Forwarding", "Reservations and unit attentions"):
 *  - forward-cmd: run a command the non-owner received (executeForwarded), and count a
 *    mode-4 redirect toward the implicit trespass (VNX note: the array trespasses "when
 *    the non-owner has served a configurable number of I/Os more than the owner"). A
 *    controller that is not the owner (any more), or whose volume is moving, runs
 *    nothing: it answers 'not-owner' or 'moving' and the sender routes the command again
 *    (docs/ha.md "Holding commands"), so two controllers never run it around a move;
 *  - pr-update: the owner's LU state (PR state, SPC-2 holder, mode values) for this
 *    controller's mirror, sent after the owner saved it in the state store — the store,
 *    not this message, is what a controller taking over reads (docs/ha.md «LU state
 *    belongs to the array»); ignored while this controller owns the volume;
 *  - ua-broadcast: an LU-wide unit attention raised on the peer;
 *  - nexus-lost: an I_T nexus lost on the peer (logout, connection loss, reinstatement):
 *    its SPC-2 reservation is released here, where the volume's LU state is changed
 *    (docs/ha.md «Nexus events reach the owner»);
 *  - tmf / lu-reset: abort tasks here for PREEMPT AND ABORT, LOGICAL UNIT RESET and
 *    target resets received by the peer (SAM-5 §7: every task of the task set), and the
 *    reset's release of the SPC-2 reservation;
 *  - move-begin / ownership-change / move-abort: the three steps of an ownership move
 *    (ownership-mover.ts).
 * And the other direction: forward(), mirrorLuState(), nexusLost() and luReset() send
 * them. A forward that gets no answer from the owner (link down, timeout, the owner gone)
 * or a refusal comes back as `reroute`, never as an error the host would see. A nexus
 * loss or reset for a volume the peer owns that cannot reach it (link down, no answer)
 * waits in OwnerEvents: sent when the link is back (flushPending), applied here if this
 * controller gains the volume first (applyPending).
 */
import type { VolumeOwnership } from '../../cluster/index.js';
import type { JsonValue, PeerHandlerResult, PeerInbound, PeerLink } from '../index.js';
import type { Logger } from '../../lib/logger.js';
import { luStateFromParts, type LogicalUnit, type LuStateJson, type ScsiTarget } from '../../scsi/index.js';
import type { ForwardResult } from '../../scsi/access-router.js';
import type { SenseReason } from '../../scsi/sense.js';
import type { ScsiCommand } from '../../scsi/types.js';
import { decodeCommand, decodeResponse, encodeCommand, encodeResponse, type ForwardedCommandBody } from './forwarding.js';
import type { HaRouter } from './ha-router.js';
import { OwnerEvents, type OwnerEvent } from './owner-events.js';
import type { OwnershipMover } from './ownership-mover.js';

export interface PeerServiceDeps {
  self: string;
  peer: string;
  link: PeerLink;
  scsi: ScsiTarget;
  router: HaRouter;
  mover: OwnershipMover;
  lu(volumeId: string): LogicalUnit | undefined;
  /** Is this controller the volume's current owner (the one that changes its LU state)? */
  owns(volumeId: string): boolean;
  /** Reload ownership; remember the ALUA states of these volumes as seen (the peer raised the UA). */
  reloaded(volumeIds: readonly string[]): void;
  /** This controller's view of a volume's ownership (transitioning while a move runs). */
  ownership(volumeId: string): VolumeOwnership | undefined;
  /** Re-read the ownership rows from the store (the truth when two views disagree). */
  refreshOwnership(): void;
  logger: Logger;
}

export class PeerService {
  /** Nexus events for volumes the peer owns that have not reached it. */
  readonly pending = new OwnerEvents();

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

  /** The owner saved the LU state: the peer's mirror follows (nothing awaited: the store is what counts). */
  mirrorLuState(volumeId: string, s: LuStateJson): void {
    this.d.link.send('pr-update', { volumeId, state: s as unknown as JsonValue });
  }

  /**
   * An I_T nexus was lost here: the peer aborts the nexus's tasks it runs (forwarded ones)
   * and releases what the nexus held on each volume it owns. Sent whoever owns the volumes
   * now: during a move both may think they do not (the peer ignores what it does not own);
   * kept for later only for volumes this controller does not own.
   */
  nexusLost(volumeIds: readonly string[], nexusId: string): void {
    if (volumeIds.length === 0) return;
    if (this.d.link.isUp) void this.toOwner(volumeIds, { kind: 'nexus-lost', nexusId });
    else for (const id of volumeIds) if (!this.d.owns(id)) this.pending.add(id, { kind: 'nexus-lost', nexusId });
  }

  private async toOwner(volumeIds: readonly string[], e: OwnerEvent): Promise<void> {
    const r = e.kind === 'reset'
      ? await this.d.link.request('lun-reset', { volumeId: volumeIds[0]! }, undefined, { timeoutMs: 5000 })
      : await this.d.link.request('nexus-lost', { volumeIds: [...volumeIds], nexusId: e.nexusId }, undefined, { timeoutMs: 5000 });
    if (r.ok) return;
    for (const id of volumeIds) if (!this.d.owns(id)) this.pending.add(id, e);
    this.d.logger.warn({ volumeIds, event: e.kind, why: r.error.message }, 'nexus event kept until the owner can be told');
  }

  /** The peer link is up again: the owner gets the events that waited for it, in order. */
  async flushPending(): Promise<void> {
    for (const [volumeId, events] of this.pending.takeAll()) {
      const lu = this.d.lu(volumeId);
      if (this.d.owns(volumeId)) {
        if (lu) await this.applyTo(lu, events);
        continue;
      }
      for (const e of events) await this.toOwner([volumeId], e);
    }
  }

  /** This controller gained the volume (its LU state was just read from the store): it applies what waited for the owner. */
  async applyPending(volumeId: string): Promise<void> {
    const lu = this.d.lu(volumeId);
    const events = this.pending.take(volumeId);
    if (lu) await this.applyTo(lu, events);
  }

  private async applyTo(lu: LogicalUnit, events: readonly OwnerEvent[]): Promise<void> {
    for (const e of events) await (e.kind === 'reset' ? lu.reset() : lu.releaseNexus(e.nexusId));
  }

  /** An LU-wide unit attention raised here, for the peer's nexuses (no answer awaited). */
  broadcastUa(volumeId: string, reason: SenseReason, except: string | undefined, only: unknown): void {
    this.d.link.send('ua-broadcast', { volumeId, reason, except: except ?? null, only: (only ?? null) as JsonValue });
  }

  /** PREEMPT AND ABORT here: the peer aborts those nexuses' tasks too before the PR OUT completes. */
  async abortOnPeer(volumeId: string, nexusIds: string[]): Promise<void> {
    await this.d.link.request('tmf', { volumeId, nexusIds }, undefined, { timeoutMs: 2000 });
  }

  /**
   * A LUN/target reset here: the peer aborts its tasks on the LU too, before the TMF
   * completes; an owner that cannot be told gets the reset's release when it can.
   */
  async luReset(volumeId: string): Promise<void> {
    if (!this.d.link.isUp) {
      if (!this.d.owns(volumeId)) this.pending.add(volumeId, { kind: 'reset' });
      return;
    }
    await this.toOwner([volumeId], { kind: 'reset' });
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
      case 'pr-update': {
        if (!lu || !volumeId || d.owns(volumeId) || typeof b.state !== 'object' || b.state === null || Array.isArray(b.state)) return { body: null };
        const st = b.state as Record<string, JsonValue>;
        const s = luStateFromParts({ pr: st.pr ?? null, spc2Holder: typeof st.spc2Holder === 'string' ? st.spc2Holder : null, mode: st.mode ?? null });
        if (typeof s === 'string') d.logger.warn({ volumeId, why: s }, 'LU state from the peer dropped');
        else lu.loadState(s);
        return { body: null };
      }
      case 'nexus-lost': {
        const nexusId = typeof b.nexusId === 'string' ? b.nexusId : undefined;
        for (const l of nexusId ? ids.map((id) => d.lu(id)) : []) {
          if (!l) continue;
          await d.scsi.abortTasksOf(l, [nexusId!]); // SAM-5 §6.3.4: the nexus's tasks end with it
          await l.releaseNexus(nexusId!);
        }
        return { body: null };
      }
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
