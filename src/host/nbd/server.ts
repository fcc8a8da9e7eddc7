/**
 * NBD server: listens on a loopback TCP port and/or a Unix socket and serves the
 * exports in an NbdExportRegistry (NetworkBlockDevice/nbd doc/proto.md). Each
 * accepted socket is an NbdConnection.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { lstat, unlink } from 'node:fs/promises';
import type { Logger } from '../../lib/logger.js';
import { NbdConnection } from './connection.js';
import type { NbdExportRegistry } from './exports.js';

export interface NbdServerOptions {
  exports: NbdExportRegistry;
  logger?: Logger;
  maxPayload?: number;
  maxInflight?: number;
}

export interface NbdListenAddress {
  /** "host:port" (port 0 picks a free one). */
  tcp?: string;
  /** Path of a Unix socket; a stale socket file there is replaced. */
  unix?: string;
}

export function parseHostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  if (i <= 0) throw new Error(`'${s}' is not host:port`);
  const host = s.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  const port = Number(s.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`'${s}' has no valid port`);
  return { host, port };
}

export class NbdServer {
  private readonly servers: Server[] = [];
  private readonly conns = new Set<NbdConnection>();
  private unixPath: string | undefined;
  /** The TCP address actually bound (after listen). */
  tcpAddress: { host: string; port: number } | undefined;

  constructor(private readonly opts: NbdServerOptions) {}

  get connections(): number {
    return this.conns.size;
  }

  async listen(addr: NbdListenAddress): Promise<void> {
    if (addr.tcp) {
      const { host, port } = parseHostPort(addr.tcp);
      const srv = await this.bind((s) => s.listen(port, host));
      const a = srv.address() as { address: string; port: number };
      this.tcpAddress = { host: a.address, port: a.port };
    }
    if (addr.unix) {
      try {
        if ((await lstat(addr.unix)).isSocket()) await unlink(addr.unix);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      await this.bind((s) => s.listen(addr.unix));
      this.unixPath = addr.unix;
    }
  }

  private bind(start: (s: Server) => void): Promise<Server> {
    // allowHalfOpen: a client that shuts down its side still gets the replies in flight.
    const srv = createServer({ allowHalfOpen: true }, (sock) => this.accept(sock));
    return new Promise((resolve, reject) => {
      srv.once('error', reject);
      srv.once('listening', () => {
        srv.off('error', reject);
        srv.on('error', (err) => this.opts.logger?.error({ err }, 'nbd listener error'));
        this.servers.push(srv);
        resolve(srv);
      });
      start(srv);
    });
  }

  private accept(sock: Socket): void {
    const c = new NbdConnection(sock, { exports: this.opts.exports, logger: this.opts.logger, maxPayload: this.opts.maxPayload, maxInflight: this.opts.maxInflight });
    this.conns.add(c);
    void c.closed.then(() => this.conns.delete(c));
  }

  /** Stops listening, lets in-flight requests finish (bounded), closes every client. */
  async close(): Promise<void> {
    // net.Server#close calls back only after every connection is gone: start it first.
    const stopped = this.servers.map((s) => new Promise<void>((r) => s.close(() => r())));
    this.servers.length = 0;
    await Promise.all([...this.conns].map((c) => c.shutdown()));
    await Promise.all(stopped);
    if (this.unixPath) {
      await unlink(this.unixPath).catch(() => undefined);
      this.unixPath = undefined;
    }
  }
}
