/** A recording DataPlane for unit tests of the control plane, API and CLI. */
import type { DataPlane, SessionInfo, VolumeRecord } from '../data-plane.js';

export class FakeDataPlane implements DataPlane {
  readonly calls: string[] = [];
  /** Set to make the next createVolume/resizeVolume/deleteVolume fail with this message. */
  failNext: string | null = null;
  sessions: SessionInfo[] = [];

  private maybeFail(): void {
    if (this.failNext !== null) {
      const m = this.failNext;
      this.failNext = null;
      throw new Error(m);
    }
  }
  async createVolume(v: VolumeRecord): Promise<void> { this.calls.push(`create ${v.name}`); this.maybeFail(); }
  async resizeVolume(v: VolumeRecord, n: number): Promise<void> { this.calls.push(`resize ${v.name} ${n}`); this.maybeFail(); }
  async deleteVolume(v: VolumeRecord): Promise<void> { this.calls.push(`delete ${v.name}`); this.maybeFail(); }
  setWriteProtected(v: VolumeRecord, wp: boolean): void { this.calls.push(`wp ${v.name} ${wp}`); }
  accessChanged(): void { this.calls.push('access'); }
  async allocatedBytes(v: VolumeRecord): Promise<number> { return Math.min(v.sizeBytes, 4096); }
  async listSessions(): Promise<SessionInfo[]> { return this.sessions; }
  targetInfo(): { iqn: string; portals: Array<{ host: string; port: number; tpgt: number }> } {
    return { iqn: 'iqn.2026-11.io.tandem:test', portals: [{ host: '127.0.0.1', port: 3260, tpgt: 1 }] };
  }
}
