/**
 * The host agent: logs in to every portal of every configured array, builds one path
 * per (portal, target, LUN), groups paths into multipath devices by identity (VPD 83h
 * NAA, else the unit serial) and exports each device over NBD twice: under its stable
 * pseudo name ("tandem0", …, see device-names.ts) and under its identity key
 * ("naa.<hex>"). The array's volume name is not visible over SCSI.
 *
 * Failure semantics: a portal that cannot be reached or logged in to is reported by
 * rescan() and retried by the next rescan (the agent schedules one every
 * retryIntervalMs while any portal failed); once a session is up, the initiator
 * reconnects by itself and multipath queues I/O meanwhile (noPathRetryMs).
 */
import { ConflictError, NotFoundError } from '../lib/errors.js';
import type { HostConfig } from './config.js';
import type { MultipathStatus, HostAgentDeps, MultipathDeviceLike, PathTransport } from './deps.js';
import { DeviceNameBook } from './device-names.js';
import { NbdExportRegistry, NbdServer } from './nbd/index.js';
import { SessionPathTransport, SessionRef } from './session-path.js';
import { parseHostPort } from './nbd/server.js';

export interface RescanResult {
  newPaths: string[];
  newDevices: string[];
  errors: string[];
}

export interface DeviceView extends MultipathStatus {
  exports: string[];
}

interface DeviceEntry {
  name: string;
  key: string;
  device: MultipathDeviceLike;
  pathIds: Set<string>;
}

/**
 * A path's name (docs/host-side.md "Path names"): "127.0.0.2:3260,tpgt2,lun0", with
 * ",<target>" when the portal offers several targets; an IPv6 host without its brackets
 * ("::1:3260,tpgt1,lun0": the last colon separates the port). No character a shell needs
 * quoted: `tandem-host path remove 127.0.0.2:3260,tpgt2,lun0`.
 */
export function pathName(host: string, port: number, tpgt: number | undefined, lun: number, target?: string): string {
  return [`${host}:${port}`, ...(tpgt !== undefined ? [`tpgt${tpgt}`] : []), `lun${lun}`, ...(target !== undefined ? [target] : [])].join(',');
}

export class HostAgent {
  readonly exports = new NbdExportRegistry();
  readonly nbd: NbdServer;
  private readonly sessions = new Map<string, SessionRef>();
  private readonly paths = new Map<string, SessionPathTransport>();
  private readonly devices = new Map<string, DeviceEntry>(); // by identity key
  private names: DeviceNameBook | undefined;
  private scanning: Promise<RescanResult> = Promise.resolve({ newPaths: [], newDevices: [], errors: [] });
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(readonly cfg: HostConfig, private readonly deps: HostAgentDeps, private readonly retryIntervalMs = 5000) {
    this.nbd = new NbdServer({ exports: this.exports, logger: deps.logger.child({ part: 'nbd' }) });
  }

  /** Opens the device name book and listens for NBD clients (throws when an NBD address is taken). */
  async listen(): Promise<void> {
    if (this.names) return;
    this.names = await DeviceNameBook.open(this.cfg.dataDir);
    await this.nbd.listen(this.cfg.nbd);
  }

  /** Listens for NBD clients, then does the first scan (its errors are logged, not thrown). */
  async start(): Promise<RescanResult> {
    await this.listen();
    return this.rescan();
  }

  /** Discovers, logs in and groups whatever is new; serialized with other rescans. */
  rescan(): Promise<RescanResult> {
    const next = this.scanning.then(() => this.scanOnce());
    this.scanning = next.catch(() => ({ newPaths: [], newDevices: [], errors: [] }));
    return next;
  }

  private async scanOnce(): Promise<RescanResult> {
    const log = this.deps.logger;
    const result: RescanResult = { newPaths: [], newDevices: [], errors: [] };
    if (this.stopped) return result;
    const fresh: SessionPathTransport[] = [];
    await Promise.all(this.cfg.arrays.flatMap((arr) => arr.portals.map(async (portal) => {
      const { host, port } = parseHostPort(portal);
      let targets: Array<{ targetName: string; tpgt: number | undefined }>;
      try {
        const found = await this.deps.initiator.discover(host, port, { initiatorName: arr.initiatorName, chap: arr.chap, logger: log });
        // The tag of THIS portal: SendTargets lists every portal of the target, and an
        // array's ports may all share one TCP port on different addresses.
        targets = found
          .filter((t) => !arr.targetName || t.targetName === arr.targetName)
          .map((t) => ({ targetName: t.targetName, tpgt: t.portals.find((p) => p.host === host && p.port === port)?.tpgt }));
        if (targets.length === 0) result.errors.push(`${arr.name} ${portal}: discovery found ${arr.targetName ? `no target '${arr.targetName}'` : 'no targets'}`);
      } catch (err) {
        result.errors.push(`${arr.name} ${portal}: discovery failed: ${(err as Error).message}`);
        if (!arr.targetName) return;
        targets = [{ targetName: arr.targetName, tpgt: undefined }];
      }
      for (const t of targets) {
        const key = `${portal}|${t.targetName}`;
        let ref = this.sessions.get(key);
        if (!ref || ref.closed) {
          const session = this.deps.initiator.createSession({
            host, port, targetName: t.targetName, initiatorName: arr.initiatorName, chap: arr.chap,
            commandTimeout: this.cfg.commandTimeoutMs, logger: log.child({ portal, target: t.targetName }),
          });
          try {
            await session.connect();
          } catch (err) {
            await session.close().catch(() => undefined);
            result.errors.push(`${arr.name} ${portal}: login to ${t.targetName} failed: ${(err as Error).message}`);
            continue;
          }
          // The login answer's TargetPortalGroupTag is the target's own word for this portal.
          ref = new SessionRef(session, portal, session.targetPortalGroupTag ?? t.tpgt, t.targetName);
          this.sessions.set(key, ref);
        }
        // A session that is reconnecting would hold the whole rescan for its command timeout.
        if (ref.session.state !== 'up') {
          result.errors.push(`${arr.name} ${portal}: session to ${t.targetName} is ${ref.session.state}; its LUNs are rescanned once it is up`);
          continue;
        }
        let luns: number[];
        try {
          luns = await this.deps.initiator.reportLuns(ref.session);
        } catch (err) {
          result.errors.push(`${arr.name} ${portal}: REPORT LUNS failed: ${(err as Error).message}`);
          continue;
        }
        const multiTarget = targets.length > 1;
        for (const lun of luns) {
          const id = pathName(host, port, ref.tpgt, lun, multiTarget ? t.targetName : undefined);
          if (this.paths.has(id)) continue;
          const p = new SessionPathTransport(id, ref, lun);
          this.paths.set(id, p);
          fresh.push(p);
        }
      }
    })));
    if (fresh.length > 0) await this.attach(fresh, result);
    for (const e of result.errors) log.warn(e);
    this.scheduleRetry(result.errors.length > 0);
    return result;
  }

  private async attach(fresh: SessionPathTransport[], result: RescanResult): Promise<void> {
    const { groups, failed } = await this.deps.multipath.group(fresh, this.deps.logger);
    for (const f of failed) {
      result.errors.push(`path ${f.path.id}: ${f.reason}`);
      this.paths.delete(f.path.id);
      await f.path.close();
    }
    for (const g of groups) {
      const have = this.devices.get(g.key);
      if (have) {
        for (const p of g.paths) {
          try {
            await have.device.addPath(p);
            have.pathIds.add(p.id);
            result.newPaths.push(p.id);
          } catch (err) {
            result.errors.push(`path ${p.id}: not added to ${have.name}: ${(err as Error).message}`);
            this.paths.delete(p.id);
            await p.close();
          }
        }
        continue;
      }
      const name = await this.names!.nameFor(g.key);
      try {
        const device = await this.deps.multipath.create(g.paths, { ...this.cfg.multipath, name, logger: this.deps.logger.child({ device: name }) });
        this.devices.set(g.key, { name, key: g.key, device, pathIds: new Set(g.paths.map((p) => p.id)) });
        this.exports.set({ name, device, description: `Tandem multipath device ${g.key}` });
        this.exports.set({ name: g.key, device, description: `alias of ${name}` });
        result.newDevices.push(name);
        result.newPaths.push(...g.paths.map((p) => p.id));
      } catch (err) {
        result.errors.push(`device ${name} (${g.key}): ${(err as Error).message}`);
        for (const p of g.paths) {
          this.paths.delete(p.id);
          await p.close();
        }
      }
    }
  }

  private scheduleRetry(needed: boolean): void {
    if (this.retryTimer || !needed || this.stopped || this.retryIntervalMs <= 0) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.rescan().catch(() => undefined);
    }, this.retryIntervalMs);
    this.retryTimer.unref();
  }

  /** Every device with its status and export names, in pseudo-name order. */
  list(): DeviceView[] {
    return [...this.devices.values()]
      .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }))
      .map((d) => ({ ...d.device.status(), name: d.name, exports: [d.name, d.key] }));
  }

  /**
   * Removes a path from its device and logs it out (when it was its session's last).
   * Refused (ConflictError) for the device's last path or a path carrying I/O, unless force.
   */
  async removePath(id: string, force = false): Promise<void> {
    const entry = [...this.devices.values()].find((d) => d.pathIds.has(id));
    const path = this.paths.get(id);
    if (!entry || !path) throw new NotFoundError('path', id);
    if (!force) {
      if (entry.pathIds.size === 1) throw new ConflictError(`path '${id}' is the last path of ${entry.name}: removing it would cut the device off (use --force to remove it anyway)`);
      const st = entry.device.status().paths.find((p) => p.id === id);
      if (st && st.inflight > 0) throw new ConflictError(`path '${id}' is carrying ${st.inflight} I/O(s) now: retry, or use --force`);
    }
    try {
      await entry.device.removePath(id, { force });
    } catch (err) {
      throw new ConflictError(`path '${id}' was not removed: ${(err as Error).message}`);
    }
    entry.pathIds.delete(id);
    this.paths.delete(id);
    await path.close();
  }

  /** Closes NBD clients (after their in-flight requests), devices, paths and sessions. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.scanning.catch(() => undefined);
    await this.nbd.close();
    for (const d of this.devices.values()) {
      await d.device.flush().catch(() => undefined);
      await d.device.close().catch(() => undefined);
    }
    this.devices.clear();
    await Promise.all([...this.paths.values()].map((p) => p.close()));
    this.paths.clear();
    await Promise.all([...this.sessions.values()].map((s) => s.close()));
    this.sessions.clear();
  }

  /** The paths the agent holds, for tests and diagnostics. */
  pathIds(): string[] {
    return [...this.paths.keys()];
  }
}

export type { PathTransport };
