/**
 * Back-end failure of one controller (HA design "Back-end failure"; DS300 note: a group
 * is standby "when the corresponding controller does not have access to the back end
 * storage"): the volumes it owns trespass to the peer, which can reach them, and I/O
 * that still arrives here is redirected over the peer link (ha-router.ts). After repair
 * the volumes that prefer this controller come back. Injected with `tandem fault
 * backend-fail|backend-repair CTRL [--volume V]`; the failing device wrapper
 * (failing-device.ts) makes the I/O itself fail meanwhile.
 */
import type { VolumeOwnership } from '../controller/index.js';
import type { Logger } from '../lib/logger.js';
import type { OwnershipMover } from './ownership-mover.js';

export interface BackendFaultDeps {
  self: string;
  peer: string;
  mover: OwnershipMover;
  /** Fresh ownership rows. */
  owners(): ReadonlyMap<string, VolumeOwnership>;
  aluaChanged(): void;
  logger: Logger;
}

export class BackendFaults {
  /** Volume ids, or '*' for the whole back end. */
  private readonly failed = new Set<string>();

  constructor(private readonly d: BackendFaultDeps) {}

  get any(): boolean {
    return this.failed.size > 0;
  }

  isFailed(volumeId: string): boolean {
    return this.failed.has('*') || this.failed.has(volumeId);
  }

  list(): string[] {
    return [...this.failed];
  }

  async fail(volumeId: string | undefined): Promise<string> {
    const d = this.d;
    this.failed.add(volumeId ?? '*');
    const mine = [...d.owners().values()].filter((o) => o.currentOwner === d.self && (!volumeId || o.volumeId === volumeId));
    let moved = 0;
    for (const o of mine) {
      try {
        await d.mover.trespass(o.volumeId, d.peer, 'backend-failure');
        moved++;
      } catch (err) {
        d.logger.error({ err, volume: o.volumeId }, 'backend-failure trespass failed');
      }
    }
    d.aluaChanged();
    return `back end of controller ${d.self} failed${volumeId ? ` for ${volumeId}` : ''}: ${moved} volume(s) trespassed to ${d.peer}`;
  }

  async repair(volumeId: string | undefined): Promise<string> {
    const d = this.d;
    if (volumeId) this.failed.delete(volumeId);
    else this.failed.clear();
    let back = 0;
    for (const o of d.owners().values()) {
      if (o.preferredOwner === d.self && o.currentOwner !== d.self && (!volumeId || o.volumeId === volumeId)) {
        await d.mover.trespass(o.volumeId, d.self, 'backend-repair');
        back++;
      }
    }
    d.aluaChanged();
    return `back end of controller ${d.self} repaired: ${back} volume(s) back on their preferred owner`;
  }
}
