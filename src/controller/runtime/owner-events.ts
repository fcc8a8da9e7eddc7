/**
 * Nexus events a non-owner could not hand to the owner yet (docs/ha.md «Nexus events
 * reach the owner»): an I_T nexus lost here (its SPC-2 reservation is released, SPC-2
 * §5.5.1) or a LOGICAL UNIT RESET / target reset received here (SAM-5 §6.3.3), for a
 * volume the peer owns, while the peer link is down or the peer did not answer. They
 * wait, per volume and in order, until the link is back (the owner applies them then)
 * or this controller gains the volume (it applies them itself, after loading the LU state
 * from the store). Nothing here does I/O.
 */

export type OwnerEvent = { readonly kind: 'nexus-lost'; readonly nexusId: string } | { readonly kind: 'reset' };

/** Per volume; the oldest go first past this (a host that logs in and out for ever while the link is down). */
export const MAX_PENDING_OWNER_EVENTS = 1024;

export class OwnerEvents {
  private readonly byVolume = new Map<string, OwnerEvent[]>();

  add(volumeId: string, e: OwnerEvent): void {
    let list = this.byVolume.get(volumeId);
    if (!list) this.byVolume.set(volumeId, (list = []));
    if (e.kind === 'nexus-lost' && list.some((x) => x.kind === 'nexus-lost' && x.nexusId === e.nexusId)) return;
    list.push(e);
    if (list.length > MAX_PENDING_OWNER_EVENTS) list.shift();
  }

  /** Removes and returns a volume's events, oldest first. */
  take(volumeId: string): OwnerEvent[] {
    const list = this.byVolume.get(volumeId) ?? [];
    this.byVolume.delete(volumeId);
    return list;
  }

  /** Removes and returns every volume's events. */
  takeAll(): Array<[string, OwnerEvent[]]> {
    const all = [...this.byVolume.entries()];
    this.byVolume.clear();
    return all;
  }

  get size(): number {
    let n = 0;
    for (const l of this.byVolume.values()) n += l.length;
    return n;
  }
}
