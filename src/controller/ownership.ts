/**
 * The pure ownership model of a dual (or multi) controller array (docs/ha.md
 * "Ownership and ALUA"; DS300 note in docs/sources.md: "Arrays do indicate ownership – both
 * current and preferred ... Preferred ownership will not change on a controller
 * failure"). Every operation returns a new JSON-serializable model plus the list of
 * moves it implies, or a typed OwnershipError value; nothing is thrown and nothing is
 * persisted here (the runtime writes moves through OwnershipRepo's compare-and-set).
 * The ownership type (VolumeOwnership) and controller health are the cluster's
 * vocabulary, src/cluster/.
 */
import type { ControllerHealth, NonOwnerState, VolumeOwnership } from '../cluster/index.js';
import { TandemError } from '../lib/errors.js';
import type { AluaStateName } from '../scsi/command-context.js';

export interface OwnershipModel {
  readonly controllers: readonly string[];
  readonly volumes: Readonly<Record<string, VolumeOwnership>>;
}

export const TRESPASS_REASONS = [
  'manual', 'explicit-alua', 'implicit-alua', 'failover-mode', 'controller-failure',
  'failback', 'backend-failure', 'backend-repair', 'move',
  // DS300 ipFailover remote/both: a live controller's ports failed (and came back).
  'port-failure', 'port-repair',
] as const;
export type TrespassReason = (typeof TRESPASS_REASONS)[number];

export interface OwnershipMove {
  readonly volumeId: string;
  readonly from: string;
  readonly to: string;
  readonly reason: TrespassReason;
  /** Epoch before the move (the compare in compare-and-set). */
  readonly fromEpoch: number;
  /** Epoch after the move. */
  readonly toEpoch: number;
}

export const OwnershipErrorCode = {
  UnknownVolume: 'OWNERSHIP_UNKNOWN_VOLUME',
  UnknownController: 'OWNERSHIP_UNKNOWN_CONTROLLER',
  AlreadyOwner: 'OWNERSHIP_ALREADY_OWNER',
  Transitioning: 'OWNERSHIP_TRANSITIONING',
  ControllerUnavailable: 'OWNERSHIP_CONTROLLER_UNAVAILABLE',
  DuplicateVolume: 'OWNERSHIP_DUPLICATE_VOLUME',
  SameController: 'OWNERSHIP_SAME_CONTROLLER',
} as const;
export type OwnershipErrorCode = (typeof OwnershipErrorCode)[keyof typeof OwnershipErrorCode];

const HTTP: Record<OwnershipErrorCode, number> = {
  OWNERSHIP_UNKNOWN_VOLUME: 404, OWNERSHIP_UNKNOWN_CONTROLLER: 404, OWNERSHIP_ALREADY_OWNER: 409,
  OWNERSHIP_TRANSITIONING: 409, OWNERSHIP_CONTROLLER_UNAVAILABLE: 409, OWNERSHIP_DUPLICATE_VOLUME: 409,
  OWNERSHIP_SAME_CONTROLLER: 400,
};

/** A typed ownership refusal; returned as a value, the API may throw it (code + HTTP status). */
export class OwnershipError extends TandemError {
  override readonly code: OwnershipErrorCode;
  constructor(code: OwnershipErrorCode, message: string) {
    super(code, HTTP[code], message);
    this.code = code;
  }
}

export type OwnershipResult =
  | { readonly ok: true; readonly model: OwnershipModel; readonly moves: readonly OwnershipMove[] }
  | { readonly ok: false; readonly error: OwnershipError };

export type HealthMap = Readonly<Record<string, ControllerHealth>>;

export const isServing = (h: ControllerHealth | undefined): boolean => h === 'online' || h === 'backend-failed';
const canOwn = (h: ControllerHealth | undefined): boolean => h === undefined || h === 'online';

export function emptyModel(controllers: readonly string[]): OwnershipModel {
  return { controllers: [...controllers], volumes: {} };
}

const fail = (code: OwnershipErrorCode, message: string): OwnershipResult => ({ ok: false, error: new OwnershipError(code, message) });

/** Adds a volume owned by its preferred owner (autoTrespass off unless given). */
export function addVolume(model: OwnershipModel, volumeId: string, preferredOwner: string, autoTrespass = false): OwnershipResult {
  if (model.volumes[volumeId]) return fail(OwnershipErrorCode.DuplicateVolume, `volume ${volumeId} already has an owner`);
  if (!model.controllers.includes(preferredOwner)) return fail(OwnershipErrorCode.UnknownController, `controller '${preferredOwner}' does not exist`);
  const v: VolumeOwnership = { volumeId, preferredOwner, currentOwner: preferredOwner, epoch: 1, transitioning: false, autoTrespass };
  return { ok: true, model: { ...model, volumes: { ...model.volumes, [volumeId]: v } }, moves: [] };
}

/** The controller with the fewest preferred volumes (ties: first listed) — default owner at creation. */
export function choosePreferredOwner(model: OwnershipModel, health: HealthMap = {}): string | undefined {
  let best: string | undefined;
  let bestN = Infinity;
  for (const c of model.controllers) {
    if (!canOwn(health[c])) continue;
    const n = Object.values(model.volumes).filter((v) => v.preferredOwner === c).length;
    if (n < bestN) { best = c; bestN = n; }
  }
  return best;
}

function applyMove(vols: Record<string, VolumeOwnership>, v: VolumeOwnership, to: string, reason: TrespassReason): OwnershipMove {
  const move: OwnershipMove = { volumeId: v.volumeId, from: v.currentOwner, to, reason, fromEpoch: v.epoch, toEpoch: v.epoch + 1 };
  vols[v.volumeId] = { ...v, currentOwner: to, epoch: v.epoch + 1, transitioning: false };
  return move;
}

/**
 * Changes the current owner of one volume (trespass). Refused while the volume is
 * transitioning, when `to` already owns it, or when `to` cannot own volumes now.
 */
export function trespass(model: OwnershipModel, volumeId: string, to: string, reason: TrespassReason, health: HealthMap = {}): OwnershipResult {
  const v = model.volumes[volumeId];
  if (!v) return fail(OwnershipErrorCode.UnknownVolume, `volume ${volumeId} does not exist`);
  if (!model.controllers.includes(to)) return fail(OwnershipErrorCode.UnknownController, `controller '${to}' does not exist`);
  if (v.currentOwner === to) return fail(OwnershipErrorCode.AlreadyOwner, `volume ${volumeId} is already owned by controller ${to}`);
  if (v.transitioning) return fail(OwnershipErrorCode.Transitioning, `volume ${volumeId} is moving between controllers; retry in a moment`);
  if (!canOwn(health[to])) return fail(OwnershipErrorCode.ControllerUnavailable, `controller ${to} is ${health[to]} and cannot own volumes`);
  const vols = { ...model.volumes };
  const move = applyMove(vols, v, to, reason);
  return { ok: true, model: { ...model, volumes: vols }, moves: [move] };
}

/**
 * Changes the preferred owner (`tandem volume move`), trespassing the volume there too
 * when it is elsewhere. Moving to the current preferred owner who also owns it is a no-op.
 */
export function move(model: OwnershipModel, volumeId: string, to: string, health: HealthMap = {}): OwnershipResult {
  const v = model.volumes[volumeId];
  if (!v) return fail(OwnershipErrorCode.UnknownVolume, `volume ${volumeId} does not exist`);
  if (!model.controllers.includes(to)) return fail(OwnershipErrorCode.UnknownController, `controller '${to}' does not exist`);
  const preferred = { ...model, volumes: { ...model.volumes, [volumeId]: { ...v, preferredOwner: to } } };
  if (v.currentOwner === to) return { ok: true, model: preferred, moves: [] };
  return trespass(preferred, volumeId, to, 'move', health);
}

/** Every volume currently owned by `from` moves to `to` (controller failure / disable). Transitioning flags are cleared. */
export function takeOverAll(model: OwnershipModel, from: string, to: string, reason: TrespassReason = 'controller-failure'): OwnershipResult {
  if (!model.controllers.includes(from)) return fail(OwnershipErrorCode.UnknownController, `controller '${from}' does not exist`);
  if (!model.controllers.includes(to)) return fail(OwnershipErrorCode.UnknownController, `controller '${to}' does not exist`);
  if (from === to) return fail(OwnershipErrorCode.SameController, `cannot take over controller ${from} by itself`);
  const vols = { ...model.volumes };
  const moves: OwnershipMove[] = [];
  for (const id of Object.keys(vols).sort()) {
    const v = vols[id]!;
    if (v.currentOwner === from) moves.push(applyMove(vols, v, to, reason));
  }
  return { ok: true, model: { ...model, volumes: vols }, moves };
}

/** Volumes whose preferred owner is `controller` but live elsewhere return to it. */
export function failback(model: OwnershipModel, controller: string, health: HealthMap = {}): OwnershipResult {
  if (!model.controllers.includes(controller)) return fail(OwnershipErrorCode.UnknownController, `controller '${controller}' does not exist`);
  if (!canOwn(health[controller])) return fail(OwnershipErrorCode.ControllerUnavailable, `controller ${controller} is ${health[controller]} and cannot take its volumes back`);
  const vols = { ...model.volumes };
  const moves: OwnershipMove[] = [];
  for (const id of Object.keys(vols).sort()) {
    const v = vols[id]!;
    if (v.preferredOwner === controller && v.currentOwner !== controller && !v.transitioning) moves.push(applyMove(vols, v, controller, 'failback'));
  }
  return { ok: true, model: { ...model, volumes: vols }, moves };
}

/** Marks a volume as moving (ALUA transitioning on every group) or done moving. */
export function setTransitioning(model: OwnershipModel, volumeId: string, transitioning: boolean): OwnershipResult {
  const v = model.volumes[volumeId];
  if (!v) return fail(OwnershipErrorCode.UnknownVolume, `volume ${volumeId} does not exist`);
  return { ok: true, model: { ...model, volumes: { ...model.volumes, [volumeId]: { ...v, transitioning } } }, moves: [] };
}

/** Volumes currently owned by a controller, sorted by id. */
export function ownedBy(model: OwnershipModel, controller: string): string[] {
  return Object.values(model.volumes).filter((v) => v.currentOwner === controller).map((v) => v.volumeId).sort();
}

export interface AluaPolicy {
  /** State of an alive non-owner (default 'active-non-optimized'). */
  readonly nonOwnerState?: NonOwnerState;
}

export interface AluaContext {
  /** Can the non-owner reach the owner (forwarding possible)? Default true. */
  readonly peerLinkUp?: boolean;
  /**
   * The controller that now serves this group's ports (IP takeover). When a survivor
   * hosts a dead controller's ports, those ports report the survivor's state.
   */
  readonly hostedBy?: string;
}

/**
 * ALUA state of a volume on the target port group of `tpgController` (docs/ha.md "Ownership and ALUA"):
 * transitioning during a move; owner alive ⇒ active/optimized; alive non-owner ⇒
 * policy.nonOwnerState (standby when it cannot reach the owner, or when the owner is not
 * serving so there is nowhere to forward); an owner whose back end failed ⇒ standby (DS300
 * note: "the corresponding controller does not have access to the back end storage"), a
 * non-owner whose back end failed forwards like any non-owner;
 * dead/disabled/fenced/starting ⇒ unavailable.
 */
export function aluaStateFor(volume: VolumeOwnership, tpgController: string, health: HealthMap, policy: AluaPolicy = {}, ctx: AluaContext = {}): AluaStateName {
  const c = ctx.hostedBy ?? tpgController;
  const h = health[c] ?? 'online';
  if (!isServing(h)) return 'unavailable';
  if (volume.transitioning) return 'transitioning';
  // Back end lost (DS300: standby) while it owns the volume; as a non-owner it can still
  // redirect I/O to the owner over the peer link (the issue: "I/O is redirected through
  // the peer"), so it reports what any non-owner does.
  if (volume.currentOwner === c) return h === 'backend-failed' ? 'standby' : 'active-optimized';
  const ownerServing = isServing(health[volume.currentOwner] ?? 'online');
  if (!ownerServing || ctx.peerLinkUp === false) return 'standby';
  return policy.nonOwnerState ?? 'active-non-optimized';
}

/** Builds the model from persisted rows (OwnershipRepo.list()); transitioning starts false. */
export function modelFromRecords(
  controllers: readonly string[],
  records: ReadonlyArray<Pick<VolumeOwnership, 'volumeId' | 'preferredOwner' | 'currentOwner' | 'epoch' | 'autoTrespass'>>,
): OwnershipModel {
  const volumes: Record<string, VolumeOwnership> = {};
  for (const r of records) {
    volumes[r.volumeId] = { volumeId: r.volumeId, preferredOwner: r.preferredOwner, currentOwner: r.currentOwner, epoch: r.epoch, transitioning: false, autoTrespass: r.autoTrespass };
  }
  return { controllers: [...controllers], volumes };
}
