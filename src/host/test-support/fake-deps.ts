/**
 * Fakes of the initiator and multipath for the agent's unit tests: sessions that are
 * always up, LUN lists per portal, and a "multipath device" that is a MemoryDevice
 * keeping a list of paths. Identity key of a path: "naa.<lun>".
 */
import { EventEmitter } from 'node:events';
import { MemoryDevice } from '../../block/memory-device.js';
import type { ScsiOutcome } from '../../iscsi/initiator/types.js';
import type { MultipathStatus } from '../../multipath/status.js';
import type { InitiatorApi, MultipathApi, MultipathDeviceLike, PathTransport, SessionLike, SessionParams } from '../deps.js';
import type { SessionPathTransport } from '../session-path.js';

export class FakeSession extends EventEmitter implements SessionLike {
  state = 'idle';
  closed = false;
  targetPortalGroupTag: number | undefined;
  constructor(readonly p: SessionParams, private readonly loginTag?: number) {
    super();
  }
  async connect(): Promise<void> {
    this.state = 'up';
    this.targetPortalGroupTag = this.loginTag;
  }
  async execute(): Promise<ScsiOutcome> {
    return { kind: 'status', status: 0, data: Buffer.alloc(0), residual: 0, overflow: false };
  }
  async close(): Promise<void> {
    this.closed = true;
    this.state = 'closed';
  }
}

export class FakeInitiator implements InitiatorApi {
  readonly sessions: FakeSession[] = [];
  /** LUNs per "host:port"; a portal missing here fails discovery. */
  luns = new Map<string, number[]>();
  target = 'iqn.2026-11.io.tandem:fake';
  /**
   * The TPGT of each "host:port" (default: port % 10). SendTargets answers with every
   * portal of `luns`, as an array does; a login declares the portal's tag unless
   * `silentLogin` (a target that declares none).
   */
  tpgts = new Map<string, number>();
  silentLogin = false;
  private tagOf(hostPort: string): number {
    return this.tpgts.get(hostPort) ?? Number(hostPort.slice(hostPort.lastIndexOf(':') + 1)) % 10;
  }
  async discover(host: string, port: number) {
    if (!this.luns.has(`${host}:${port}`)) throw new Error('connection refused');
    const portals = [...this.luns.keys()].map((hp) => {
      const i = hp.lastIndexOf(':');
      return { host: hp.slice(0, i), port: Number(hp.slice(i + 1)), tpgt: this.tagOf(hp) };
    });
    return [{ targetName: this.target, portals }];
  }
  createSession(p: SessionParams): SessionLike {
    const s = new FakeSession(p, this.silentLogin ? undefined : this.tagOf(`${p.host}:${p.port}`));
    this.sessions.push(s);
    return s;
  }
  async reportLuns(s: SessionLike): Promise<number[]> {
    const f = s as FakeSession;
    return this.luns.get(`${f.p.host}:${f.p.port}`) ?? [];
  }
}

export class FakeMpDevice extends MemoryDevice implements MultipathDeviceLike {
  readonly paths: PathTransport[];
  inflightOf = new Map<string, number>();
  constructor(readonly name: string, readonly key: string, paths: PathTransport[]) {
    super(512, 1 << 20);
    this.paths = [...paths];
  }
  async addPath(p: PathTransport): Promise<void> {
    this.paths.push(p);
  }
  async removePath(id: string): Promise<void> {
    const i = this.paths.findIndex((p) => p.id === id);
    if (i < 0) throw new Error(`no path ${id}`);
    const [p] = this.paths.splice(i, 1);
    await p!.close();
  }
  status(): MultipathStatus {
    return {
      name: this.name, identity: { vendor: 'TANDEM', product: 'VOLUME', naa: this.key.slice(4) }, wwid: this.key, sizeBytes: this.sizeBytes,
      blockSize: 512, policy: 'round-robin', alua: 'implicit', explicitFailover: false, noPathRetryMs: 1000, queuedIos: 0, failingFast: false,
      groups: [],
      paths: this.paths.map((p) => ({
        id: p.id, portal: p.portal, targetPortGroup: 1, relativeTargetPort: 1, aluaState: 'active-optimized', mode: 'active', state: 'alive',
        connected: p.connected, inflight: this.inflightOf.get(p.id) ?? 0, ios: 0, errors: 0,
      })),
    };
  }
}

export class FakeMultipath implements MultipathApi {
  readonly devices: FakeMpDevice[] = [];
  async group(paths: PathTransport[]) {
    const by = new Map<string, PathTransport[]>();
    for (const p of paths) {
      const key = `naa.${(p as SessionPathTransport).lun}`;
      by.set(key, [...(by.get(key) ?? []), p]);
    }
    return { groups: [...by].map(([key, ps]) => ({ key, paths: ps })), failed: [] };
  }
  async create(paths: PathTransport[], o: { name: string }): Promise<MultipathDeviceLike> {
    const d = new FakeMpDevice(o.name, `naa.${(paths[0] as SessionPathTransport).lun}`, paths);
    this.devices.push(d);
    return d;
  }
}
