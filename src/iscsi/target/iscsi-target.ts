/**
 * The iSCSI target transport (RFC 7143): listens on the configured portals, runs logins and
 * Full Feature Phase on each TCP connection, and hands SCSI commands to the transport-
 * agnostic SCSI core through ScsiTargetPort.
 *
 * stop(): "AsyncEvent 1: the target requests Logout. This Async Message MUST be sent on
 * the same connection as the one requesting to be logged out ... Parameter3 ... the time
 * limit (in seconds) for the initiator to ... logout" (§11.9.1); after ~2 s everything is
 * closed.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { systemClock, type Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { ScsiTargetPort } from '../../scsi/types.js';
import { defaultTargetLimits, type TargetLimits } from '../pdu/negotiation.js';
import type { AuthPolicy } from './auth-policy.js';
import type { ConnectionPort } from './connection-port.js';
import { IscsiConnection } from './connection.js';
import { SessionRegistry } from './session-registry.js';
import type { SessionInfo } from './session.js';
import type { PortalConfig, TargetContext, TargetEvent } from './target-context.js';

export type { AuthPolicy, ChapCredentials } from './auth-policy.js';
export { openAuthPolicy } from './auth-policy.js';
export type { SessionInfo, SessionConnectionInfo } from './session.js';
export type { PortalConfig, TargetEvent } from './target-context.js';
export type { TargetLimits } from '../pdu/negotiation.js';

export interface IscsiTargetOptions {
  targetName: string;
  portals: PortalConfig[];
  scsi: ScsiTargetPort;
  auth: AuthPolicy;
  limits?: Partial<TargetLimits>;
  /** Idle time before a NOP-In ping, ms (default 5000; 0 disables pings). */
  nopInterval?: number;
  /** Silence after which a connection is dropped, ms (default 15000). */
  nopTimeout?: number;
  /** Longest a login may take, ms (default 15000). */
  loginTimeout?: number;
  /** Commands the CmdSN window admits beyond ExpCmdSN (default 128). */
  queueDepth?: number;
  clock?: Clock;
  logger: Logger;
  onEvent?: (e: TargetEvent) => void;
  /**
   * Portals SendTargets lists (RFC 7143 §13.3: every address of the target). Default:
   * this process's bound portals; a multi-controller array lists every port of every
   * controller, since addresses move with IP takeover.
   */
  advertise?: () => PortalConfig[];
  /**
   * Whether the target serves its logical units yet (a controller that is starting, or
   * whose array has not finished starting, does not): logins before are answered 0x0301
   * SERVICE UNAVAILABLE (login-machine.ts). Absent ⇒ always.
   */
  serving?: () => boolean;
}

/** Our preferences over the RFC defaults: big bursts, several R2Ts, both digests allowed. */
export function tandemTargetLimits(): TargetLimits {
  return { ...defaultTargetLimits(), maxBurstLength: 16776192, firstBurstLength: 262144, maxRecvDataSegmentLength: 262144, maxOutstandingR2T: 8 };
}

export class IscsiTarget {
  private readonly servers: Array<{ portal: PortalConfig; server: Server; bound: PortalConfig | undefined }> = [];
  private readonly conns = new Set<IscsiConnection>();
  private readonly sockets = new Set<Socket>();
  private readonly ctx: TargetContext<ConnectionPort>;
  private readonly registry = new SessionRegistry<ConnectionPort>();
  private started = false;

  constructor(private readonly opts: IscsiTargetOptions) {
    const limits = { ...tandemTargetLimits(), ...(opts.limits ?? {}) };
    const self = this;
    this.ctx = {
      targetName: opts.targetName,
      scsi: opts.scsi,
      auth: opts.auth,
      limits,
      queueDepth: opts.queueDepth ?? 128,
      nopInterval: opts.nopInterval ?? 5000,
      nopTimeout: opts.nopTimeout ?? 15000,
      loginTimeout: opts.loginTimeout ?? 15000,
      clock: opts.clock ?? systemClock,
      logger: opts.logger,
      registry: this.registry,
      emit: (e) => {
        try {
          opts.onEvent?.(e);
        } catch (err) {
          opts.logger.error({ err }, 'iscsi onEvent handler threw');
        }
      },
      portals: () => opts.advertise?.() ?? self.boundPortals(),
      serving: () => opts.serving?.() ?? true,
      connections: () => self.conns,
    };
  }

  /** Listen on every portal; rejects (closing what was opened) if any address is unusable. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    try {
      for (const portal of this.opts.portals) {
        const server = createServer({ noDelay: true }, (sock) => this.accept(sock, entry));
        const entry: { portal: PortalConfig; server: Server; bound: PortalConfig | undefined } = { portal, server, bound: undefined };
        this.servers.push(entry);
        await new Promise<void>((resolve, reject) => {
          const onError = (err: NodeJS.ErrnoException): void => {
            const why = err.code === 'EADDRINUSE' ? 'the port is already in use' : err.code === 'EADDRNOTAVAIL' ? 'the address is not configured on this host' : err.message;
            reject(new Error(`iSCSI portal ${portal.host}:${portal.port} (tpgt ${portal.tpgt}) cannot listen: ${why}`));
          };
          server.once('error', onError);
          server.listen({ host: portal.host, port: portal.port }, () => {
            server.off('error', onError);
            server.on('error', (err) => this.opts.logger.error({ err, portal }, 'iscsi portal error'));
            const a = server.address();
            entry.bound = { ...portal, port: typeof a === 'object' && a ? a.port : portal.port };
            resolve();
          });
        });
        this.opts.logger.info({ portal: entry.bound, target: this.opts.targetName }, 'iscsi portal listening');
      }
    } catch (err) {
      await this.closeServers();
      this.started = false;
      throw err;
    }
  }

  /**
   * HA IP takeover (haruntime): listen on one more portal (e.g. a failed peer's address with
   * its own TPGT and relative target port id) while running.
   */
  async addPortal(portal: PortalConfig): Promise<void> {
    if (this.servers.some((s) => s.portal.host === portal.host && s.portal.port === portal.port)) return;
    const server = createServer({ noDelay: true }, (sock) => this.accept(sock, entry));
    const entry: { portal: PortalConfig; server: Server; bound: PortalConfig | undefined } = { portal, server, bound: undefined };
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: portal.host, port: portal.port }, () => {
        server.off('error', reject);
        server.on('error', (err) => this.opts.logger.error({ err, portal }, 'iscsi portal error'));
        const a = server.address();
        entry.bound = { ...portal, port: typeof a === 'object' && a ? a.port : portal.port };
        resolve();
      });
    });
    this.servers.push(entry);
    this.opts.logger.info({ portal: entry.bound }, 'iscsi portal added');
  }

  /** HA: stop listening on host:port and drop the connections that came in through it. */
  async removePortal(host: string, port: number): Promise<void> {
    const i = this.servers.findIndex((s) => s.portal.host === host && (s.bound ?? s.portal).port === port);
    if (i < 0) return;
    const [entry] = this.servers.splice(i, 1);
    const closed = new Promise<void>((resolve) => (entry!.server.listening ? entry!.server.close(() => resolve()) : resolve()));
    for (const c of [...this.conns]) {
      if (c.portal.host === host && c.portal.port === port) c.close('portal removed');
    }
    await closed;
  }

  /** The portals with the ports actually bound (port 0 resolved). */
  boundPortals(): PortalConfig[] {
    return this.servers.map((s) => s.bound ?? s.portal);
  }

  listSessions(): SessionInfo[] {
    return this.registry.all().map((s) => s.info());
  }

  /** Ask every initiator to log out (Async Message, AsyncEvent 1), wait up to graceMs, then close everything. */
  async stop(graceMs = 2000): Promise<void> {
    for (const s of this.servers) s.server.close();
    const clock = this.ctx.clock;
    let asked = 0;
    for (const c of this.conns) {
      if (c.phase !== 'full-feature' || c.session?.type !== 'Normal') continue;
      asked++;
      c.batch(() =>
        c.send({
          kind: 'AsyncMessage',
          immediate: false,
          lun: Buffer.alloc(8),
          statSN: c.statSN++,
          expCmdSN: c.expCmdSN,
          maxCmdSN: c.maxCmdSN,
          asyncEvent: 1,
          asyncVCode: 0,
          parameter1: 0,
          parameter2: 0,
          parameter3: Math.max(1, Math.ceil(graceMs / 1000)),
          data: Buffer.alloc(0),
        }),
      );
    }
    if (asked > 0) {
      await new Promise<void>((resolve) => {
        const deadline = clock.now() + graceMs;
        const tick = (): void => {
          const left = [...this.conns].some((c) => c.phase === 'full-feature' && c.session?.type === 'Normal');
          if (!left || clock.now() >= deadline) resolve();
          else setTimeout(tick, 20);
        };
        tick();
      });
    }
    for (const c of [...this.conns]) c.close('target stopping');
    for (const s of this.sockets) s.destroy();
    await this.closeServers();
    this.started = false;
  }

  private accept(sock: Socket, entry: { portal: PortalConfig; bound: PortalConfig | undefined }): void {
    this.sockets.add(sock);
    sock.once('close', () => this.sockets.delete(sock));
    try {
      const conn = new IscsiConnection(sock, this.ctx, entry.bound ?? entry.portal);
      this.conns.add(conn);
      sock.once('close', () => this.conns.delete(conn));
    } catch (err) {
      this.opts.logger.error({ err }, 'iscsi connection setup failed');
      sock.destroy();
    }
  }

  private async closeServers(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (!s.server.listening) return resolve();
            s.server.close(() => resolve());
          }),
      ),
    );
    this.servers.length = 0;
  }
}
