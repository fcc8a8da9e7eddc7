/**
 * Per-I_T-nexus unit attention queue (SAM-5 §5.14 "Unit attention conditions").
 * Conditions are reported oldest first, one per command; a queued condition equal to
 * one already pending is not queued twice. A reset condition (29h family) supersedes
 * everything queued before it, as SAM-5 §5.14 allows: "a unit attention condition
 * for a power on or reset ... may replace" the conditions established earlier.
 */
import type { SenseReason } from './sense.js';

const RESET_FAMILY: ReadonlySet<SenseReason> = new Set<SenseReason>(['UaPowerOnReset', 'UaBusDeviceReset', 'UaNexusLoss']);
const MAX_PENDING = 16;

export class UnitAttentionQueues {
  private readonly queues = new Map<string, SenseReason[]>();

  /** Queues `reason`; returns the conditions it replaced (a reset condition's supersession, or the oldest past the limit). */
  queue(nexusId: string, reason: SenseReason): SenseReason[] {
    let q = this.queues.get(nexusId);
    if (!q) {
      q = [];
      this.queues.set(nexusId, q);
    }
    const gone: SenseReason[] = [];
    if (RESET_FAMILY.has(reason)) gone.push(...q.splice(0));
    if (q.includes(reason)) return gone;
    if (q.length >= MAX_PENDING) gone.push(q.shift()!);
    q.push(reason);
    return gone;
  }

  peek(nexusId: string): SenseReason | undefined {
    return this.queues.get(nexusId)?.[0];
  }

  /** Remove and return the oldest pending condition. */
  take(nexusId: string): SenseReason | undefined {
    const q = this.queues.get(nexusId);
    const r = q?.shift();
    if (q && q.length === 0) this.queues.delete(nexusId);
    return r;
  }

  pending(nexusId: string): readonly SenseReason[] {
    return this.queues.get(nexusId) ?? [];
  }

  drop(nexusId: string): void {
    this.queues.delete(nexusId);
  }

  clear(): void {
    this.queues.clear();
  }
}
