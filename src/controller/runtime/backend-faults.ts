/**
 * Back-end failure of one controller (docs/ha.md "Back-end failure"; DS300 note: a group
 * is standby "when the corresponding controller does not have access to the back end
 * storage"; the issue: "when the owner loses access to a volume's back end, I/O is
 * redirected through the peer and the volume is trespassed to the controller that can
 * reach it; after repair it goes back to its preferred owner").
 *
 * Two ways in:
 *  - injected: `tandem fault backend-fail CTRL [--volume V]` until `backend-repair`;
 *  - detected: the volume's device reported EIO/ENXIO/ENODEV/ESTALE (failing-device.ts).
 *    The volume is failed on this controller at once; a probe (a read of its first
 *    block straight from the device) runs every probeMs and, once it succeeds, the
 *    volume is repaired by itself.
 * Either way the volumes this controller owns trespass to the peer, which can reach
 * them; I/O that still arrives here is forwarded (ha-router.ts); a repaired volume that
 * prefers this controller comes back.
 */
import type { BlockDevice } from '../../block/block-device.js';
import { alertId } from '../alert-ids.js';
import type { VolumeOwnership } from '../../cluster/index.js';
import type { Logger } from '../../lib/logger.js';
import type { ControllerEvent } from './supervisor-link.js';
import type { OwnershipMover } from './ownership-mover.js';

export interface BackendFaultDeps {
  self: string;
  peer: string;
  mover: OwnershipMover;
  /** Fresh ownership rows. */
  owners(): ReadonlyMap<string, VolumeOwnership>;
  aluaChanged(): void;
  event(e: ControllerEvent): void;
  /** The 'backend-failed' alert of this controller: open while any volume's back end is failed here. */
  alert?(op: 'raise' | 'clear', id: string, message?: string): void;
  name(volumeId: string): string;
  logger: Logger;
  /** How often a detected failure is probed (default 5000 ms). */
  probeMs?: number;
}

export class BackendFaults {
  /** Injected: volume ids, or '*' for the whole back end. */
  private readonly injectedSet = new Set<string>();
  /** Detected: volume id → the device to probe. */
  private readonly detectedMap = new Map<string, BlockDevice>();
  private probeTimer: NodeJS.Timeout | undefined;

  constructor(private readonly d: BackendFaultDeps) {}

  get any(): boolean {
    return this.injectedSet.size > 0 || this.detectedMap.size > 0;
  }

  isInjected(volumeId: string): boolean {
    return this.injectedSet.has('*') || this.injectedSet.has(volumeId);
  }

  isFailed(volumeId: string): boolean {
    return this.isInjected(volumeId) || this.detectedMap.has(volumeId);
  }

  list(): string[] {
    return [...this.injectedSet, ...[...this.detectedMap.keys()].map((id) => `${id} (detected)`)];
  }

  private alertOpen = false;

  /** Raises or clears the 'backend-failed' alert as the failed set is non-empty or empty (an alert clears when its condition does). */
  private alertState(): void {
    const id = alertId('backend-failed', this.d.self);
    if (this.any) {
      const what = this.injectedSet.has('*') ? 'every volume' : [...this.injectedSet, ...this.detectedMap.keys()].map((v) => this.d.name(v)).join(', ');
      this.d.alert?.('raise', id, `controller ${this.d.self} cannot reach the back end of ${what}: served through controller ${this.d.peer}`);
      this.alertOpen = true;
    } else if (this.alertOpen) {
      this.d.alert?.('clear', id);
      this.alertOpen = false;
    }
  }

  /** A real back-end error on `volumeId` (the device is probed until it answers again). */
  detected(volumeId: string, err: Error, device: BlockDevice): void {
    if (this.detectedMap.has(volumeId) || this.isInjected(volumeId)) return;
    this.detectedMap.set(volumeId, device);
    this.alertState();
    this.d.event({
      severity: 'error',
      short: `back end of volume ${this.d.name(volumeId)} failed on controller ${this.d.self}: ${(err as { code?: string }).code ?? err.message}`,
      long: `${err.message}; the volume moves to controller ${this.d.peer} if it can reach it, and comes back when the back end answers again`,
    });
    void this.moveAway([volumeId]);
    this.probeTimer ??= setInterval(() => void this.probe(), this.d.probeMs ?? 5000);
    this.probeTimer.unref();
  }

  async fail(volumeId: string | undefined): Promise<string> {
    this.injectedSet.add(volumeId ?? '*');
    this.alertState();
    const moved = await this.moveAway(volumeId ? [volumeId] : undefined);
    return `back end of controller ${this.d.self} failed${volumeId ? ` for ${volumeId}` : ''}: ${moved} volume(s) trespassed to ${this.d.peer}`;
  }

  async repair(volumeId: string | undefined): Promise<string> {
    if (volumeId) {
      this.injectedSet.delete(volumeId);
      this.detectedMap.delete(volumeId);
    } else {
      this.injectedSet.clear();
      this.detectedMap.clear();
    }
    this.alertState();
    const back = await this.comeBack(volumeId);
    return `back end of controller ${this.d.self} repaired: ${back} volume(s) back on their preferred owner`;
  }

  stop(): void {
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = undefined;
  }

  /** Trespasses the volumes this controller owns (all, or `ids`) to the peer. */
  private async moveAway(ids: readonly string[] | undefined): Promise<number> {
    const d = this.d;
    const mine = [...d.owners().values()].filter((o) => o.currentOwner === d.self && (!ids || ids.includes(o.volumeId)));
    const moved = await d.mover.trespassEach(mine.map((o) => o.volumeId), d.peer, 'backend-failure');
    d.aluaChanged();
    return moved;
  }

  /** Volumes that prefer this controller (all, or `volumeId`) and can be served here again come back. */
  private async comeBack(volumeId: string | undefined): Promise<number> {
    const d = this.d;
    const away = [...d.owners().values()].filter((o) => o.preferredOwner === d.self && o.currentOwner !== d.self
      && (!volumeId || o.volumeId === volumeId) && !this.isFailed(o.volumeId));
    const back = await d.mover.trespassEach(away.map((o) => o.volumeId), d.self, 'backend-repair');
    d.aluaChanged();
    return back;
  }

  private probing = false;

  /** Reads the first block of every detected-failed volume; one that answers is repaired. */
  private async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      for (const [id, device] of [...this.detectedMap]) {
        const ok = await device.read(0, device.blockSize).then(() => true, () => false);
        if (!ok || !this.detectedMap.has(id)) continue;
        this.detectedMap.delete(id);
        this.alertState();
        this.d.event({ severity: 'info', short: `back end of volume ${this.d.name(id)} answers again on controller ${this.d.self}` });
        await this.comeBack(id);
      }
      if (this.detectedMap.size === 0) this.stop();
    } finally {
      this.probing = false;
    }
  }
}
