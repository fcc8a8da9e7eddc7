/**
 * The target's sessions by TSIH and by (InitiatorName, ISID, TPGT). RFC 7143 §11.12.6:
 * "The TSIH is the target-assigned session-identifying handle ... The target MUST NOT
 * assign a TSIH of 0"; a TSIH stays unique among the target's live sessions.
 */
import { Session, sessionKey, type SessionConnection } from './session.js';

export class SessionRegistry<C extends SessionConnection = SessionConnection> {
  private readonly byTsih = new Map<number, Session<C>>();
  private readonly byKey = new Map<string, Session<C>>();
  private nextTsih = 1;

  allocateTsih(): number | undefined {
    for (let i = 0; i < 0xffff; i++) {
      const t = this.nextTsih;
      this.nextTsih = this.nextTsih >= 0xffff ? 1 : this.nextTsih + 1;
      if (!this.byTsih.has(t)) return t;
    }
    return undefined;
  }

  add(s: Session<C>): void {
    this.byTsih.set(s.tsih, s);
    this.byKey.set(s.key, s);
  }

  remove(s: Session<C>): void {
    if (this.byTsih.get(s.tsih) === s) this.byTsih.delete(s.tsih);
    if (this.byKey.get(s.key) === s) this.byKey.delete(s.key);
  }

  byTsihValue(tsih: number): Session<C> | undefined {
    return this.byTsih.get(tsih);
  }

  find(initiatorName: string, isid: Buffer, tpgt: number): Session<C> | undefined {
    return this.byKey.get(sessionKey(initiatorName, isid, tpgt));
  }

  all(): Session<C>[] {
    return [...this.byTsih.values()];
  }

  get size(): number {
    return this.byTsih.size;
  }
}
