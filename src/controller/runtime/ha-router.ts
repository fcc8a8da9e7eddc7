/**
 * The AccessRouter of one controller process (docs/ha.md "Ownership and ALUA", "I/O on
 * the non-owner"; SPC-4 §5.16 ALUA, VNX failover modes 0–4 from the VNX note in docs/sources.md). Pure
 * decisions come from src/controller (aluaStateFor, decideNonOwnerIo,
 * AluaTrespassCounter); this class supplies the live facts: ownership rows, controller
 * health, peer link state, the initiator's host failover mode.
 *
 * A nexus always arrives on this controller, also on a port taken over from a dead peer
 * ("the ports report the state of the controller that now hosts them"), so its state is
 * this controller's state.
 */
import type { FailoverMode, VolumeOwnership } from '../../cluster/index.js';
import { AluaTrespassCounter, aluaStateFor, decideNonOwnerIo, type HealthMap } from '../index.js';
import { HOLD_LIMIT_MS, holdReason, type HoldReason } from '../hold.js';
import type { AccessRouter, ForwardResult, RouteDecision, TargetPortGroupInfo } from '../../scsi/access-router.js';
import type { AluaStateName } from '../../scsi/command-context.js';
import type { LogicalUnit } from '../../scsi/logical-unit.js';
import type { SenseReason } from '../../scsi/sense.js';
import { Status, type ItNexus, type ScsiCommand, type ScsiResponse } from '../../scsi/types.js';

export interface HaRouterFacts {
  self: string;
  /** Controllers with their ALUA group id and relative target port ids. */
  groups: Array<{ controller: string; tpgId: number; relativePortIds: number[] }>;
  volumeIdOf(lu: LogicalUnit): string | undefined;
  ownership(volumeId: string): VolumeOwnership | undefined;
  /** Controller health as it concerns `volumeId` (a back end may fail for one volume only). */
  health(volumeId?: string): HealthMap;
  peerLinkUp(): boolean;
  /** Controllers whose ports this controller now serves (IP takeover). */
  hosted(): ReadonlySet<string>;
  nonOwnerState(): 'active-non-optimized' | 'standby';
  failoverModeOf(initiatorName: string): FailoverMode;
  /** Runs the command on the owner; `aluaCounted`: a mode-4 redirect the owner counts toward the implicit trespass. */
  forward(volumeId: string, cmd: ScsiCommand, aluaCounted: boolean): Promise<ForwardResult>;
  /** Policy aluaTransitionMs: > 0 means the operator asked ALUA hosts to see transitions (a drill); absent ⇒ 0. */
  transitionHoldMs?(): number;
  /** Moves the current owner of the volume to `to` (transition, store CAS, peer notified, UAs queued). */
  trespass(volumeId: string, to: string, reason: 'explicit-alua' | 'implicit-alua' | 'failover-mode', exceptNexusId?: string): Promise<void>;
}

/** Sense keys of a command that failed on the device: MEDIUM ERROR, HARDWARE ERROR. */
const DEVICE_FAILURE_KEYS: ReadonlySet<number> = new Set([0x3, 0x4]);

function senseKeyOf(resp: ScsiResponse): number | undefined {
  const s = resp.sense;
  if (resp.status !== Status.CheckCondition || !s || s.length < 3) return undefined;
  return ((s[0]! & 0x7f) >= 0x72 ? s[1]! : s[2]!) & 0x0f;
}

export class HaRouter implements AccessRouter {
  /** docs/ha.md "Holding commands": the bound of holds and re-routes (src/controller/hold.ts). */
  readonly holdLimitMs = HOLD_LIMIT_MS;
  /** Resolved (and replaced) at every factsChanged(): what held commands wait on. */
  private change: { promise: Promise<void>; resolve: () => void } | undefined;

  /**
   * Mode 4 I/O counts. Only the OWNER counts: its own I/O and the redirected I/O the
   * non-owner forwards to it (peer-service.ts), so one counter sees both controllers.
   */
  counter: AluaTrespassCounter;

  constructor(private readonly f: HaRouterFacts, threshold: number) {
    this.counter = new AluaTrespassCounter({ threshold });
  }

  /**
   * The owner ran a mode-4 command the non-owner `from` redirected to it: count it;
   * true when the volume should now trespass to `from` (VNX: the non-owner served
   * `threshold` more I/Os than the owner).
   */
  redirectedServed(volumeId: string, from: string): boolean {
    return this.counter.record(volumeId, from, this.f.self) === 'trespass';
  }

  /** The policy's aluaTrespassThreshold changed: counting starts over with the new threshold. */
  setThreshold(threshold: number): void {
    if (threshold !== this.counter.threshold) this.counter = new AluaTrespassCounter({ threshold });
  }

  private stateOn(vol: VolumeOwnership | undefined, controller: string): AluaStateName {
    if (!vol) return 'active-optimized';
    return aluaStateFor(vol, controller, this.f.health(vol.volumeId), { nonOwnerState: this.f.nonOwnerState() }, { peerLinkUp: this.f.peerLinkUp() });
  }

  aluaState(lu: LogicalUnit, _nexus: ItNexus): AluaStateName {
    const id = this.f.volumeIdOf(lu);
    return this.stateOn(id ? this.f.ownership(id) : undefined, this.f.self);
  }

  targetPortGroups(lu: LogicalUnit): TargetPortGroupInfo[] {
    const id = this.f.volumeIdOf(lu);
    const vol = id ? this.f.ownership(id) : undefined;
    const hosted = this.f.hosted();
    return this.f.groups.map((g) => ({
      id: g.tpgId,
      state: this.stateOn(vol, hosted.has(g.controller) ? this.f.self : g.controller),
      preferred: vol ? vol.preferredOwner === g.controller : g.controller === this.f.self,
      relativePortIds: g.relativePortIds,
    }));
  }

  route(lu: LogicalUnit, cmd: ScsiCommand, entry: { name: string; opcode: number }): RouteDecision {
    const id = this.f.volumeIdOf(lu);
    const vol = id ? this.f.ownership(id) : undefined;
    if (!id || !vol) return { kind: 'local' };
    const self = this.f.self;
    const health = this.f.health(id);
    if (health[self] === 'backend-failed') {
      // DS300: this controller has no back end; the owner (the peer) serves it.
      if (vol.currentOwner !== self && this.f.peerLinkUp()) return { kind: 'forward', forward: (c) => this.f.forward(id, c, false) };
      return { kind: 'reject', reason: 'NotReadyAluaStandby' satisfies SenseReason };
    }
    if (vol.currentOwner === self) {
      this.counter.record(id, self, self);
      return { kind: 'local' };
    }
    const ownerHealth = health[vol.currentOwner] ?? 'online';
    const ownerDead = ownerHealth === 'failed' || ownerHealth === 'fenced' || ownerHealth === 'disabled';
    const reach = this.f.peerLinkUp() ? 'reachable' : ownerDead ? 'failed' : 'isolated';
    const d = decideNonOwnerIo({
      mode: this.f.failoverModeOf(cmd.nexus.initiatorName),
      autoTrespass: vol.autoTrespass,
      isTestUnitReady: entry.opcode === 0x00,
      peerReachable: reach,
    });
    switch (d.kind) {
      case 'reject':
        return { kind: 'reject', reason: d.reason };
      case 'good':
        return { kind: 'good' };
      case 'trespass':
        return { kind: 'trespass', trespass: () => this.f.trespass(id, self, 'failover-mode') };
      case 'forward':
        return { kind: 'forward', forward: (c) => this.f.forward(id, c, true) };
    }
  }

  /**
   * Why a routable command must wait now (src/controller/hold.ts), or undefined: the
   * volume changes hands without the host meant to see it, this controller lost the back
   * end of a volume it still owns, or the owner is alive but unreachable.
   */
  holdReason(lu: LogicalUnit, nexus: ItNexus): HoldReason | undefined {
    const id = this.f.volumeIdOf(lu);
    const volume = id ? this.f.ownership(id) : undefined;
    if (!id || !volume) return undefined;
    const self = this.f.self;
    const health = this.f.health(id);
    const peerLinkUp = this.f.peerLinkUp();
    const drill = (this.f.transitionHoldMs?.() ?? 0) > 0;
    // The host's failover mode (a store read) matters only for a drill transition or an
    // unreachable owner; the owner's own I/O, settled, never pays for it.
    const needsMode = (volume.transitioning && drill)
      || (volume.currentOwner !== self && (!peerLinkUp || health[volume.currentOwner] === 'starting'));
    const mode = needsMode ? this.f.failoverModeOf(nexus.initiatorName) : 4;
    const served = needsMode ? decideNonOwnerIo({ mode, autoTrespass: volume.autoTrespass, isTestUnitReady: false, peerReachable: 'reachable' }).kind : 'forward';
    return holdReason({
      self, volume, health, peerLinkUp, transitionVisible: drill && mode === 4, nonOwnerServes: served === 'forward' || served === 'trespass',
    });
  }

  /** Resolves at the next factsChanged(). */
  changed(): Promise<void> {
    if (!this.change) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.change = { promise, resolve };
    }
    return this.change.promise;
  }

  /** The runtime's facts changed (ownership, health, peer link, addresses, policy): held commands look again. */
  factsChanged(): void {
    const c = this.change;
    this.change = undefined;
    c?.resolve();
  }

  /** A local run failed on the device while this controller's back end for the volume is failed: the peer runs it. */
  retryElsewhere(lu: LogicalUnit, resp: ScsiResponse): boolean {
    const id = this.f.volumeIdOf(lu);
    if (!id || this.f.health(id)[this.f.self] !== 'backend-failed') return false;
    const key = senseKeyOf(resp);
    return key !== undefined && DEVICE_FAILURE_KEYS.has(key);
  }

  /** VNX: only failover mode 4 is ALUA; hosts in modes 0–3 see TPGS 00b (no RTPG, no SET TARGET PORT GROUPS). */
  reportsAlua(nexus: ItNexus): boolean {
    return this.f.failoverModeOf(nexus.initiatorName) === 4;
  }

  async setTargetPortGroups(lu: LogicalUnit, nexus: ItNexus, requests: Array<{ tpgId: number; state: AluaStateName }>): Promise<SenseReason | undefined> {
    const id = this.f.volumeIdOf(lu);
    const vol = id ? this.f.ownership(id) : undefined;
    if (!id || !vol) return undefined;
    const want = requests.find((r) => r.state === 'active-optimized');
    if (!want) return undefined;
    const group = this.f.groups.find((g) => g.tpgId === want.tpgId);
    if (!group) return 'InvalidFieldInParameterList';
    const target = this.f.hosted().has(group.controller) ? this.f.self : group.controller;
    if (vol.currentOwner === target) return undefined;
    try {
      await this.f.trespass(id, target, 'explicit-alua', nexus.id);
      return undefined;
    } catch {
      return 'NotReadyAluaTransition';
    }
  }
}
