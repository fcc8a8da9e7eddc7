/**
 * The adapter multipath/ asks for: one PathTransport = one InitiatorSession + LUN.
 * Several LUNs reached through one target portal share one session; the session is
 * closed when its last path is closed (SessionRef counts them).
 *
 * Failure semantics: execute() never rejects (the session's contract); after close()
 * it answers a transport-error at once.
 */
import { EventEmitter } from 'node:events';
import type { ScsiOutcome, ScsiRequest } from '../iscsi/initiator/types.js';
import type { PathTransport, SessionLike } from './deps.js';

export class SessionRef {
  private refs = 0;
  private closing: Promise<void> | undefined;
  constructor(readonly session: SessionLike, readonly portal: string, readonly tpgt: number | undefined, readonly targetName: string) {}

  acquire(): void {
    this.refs++;
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Drops one reference; the last one closes the session. */
  async release(): Promise<void> {
    this.refs--;
    if (this.refs <= 0) await this.close();
  }

  close(): Promise<void> {
    this.closing ??= this.session.close().catch(() => undefined);
    return this.closing;
  }
}

export class SessionPathTransport extends EventEmitter implements PathTransport {
  private closed = false;
  private readonly onUp = () => this.emit('up');
  private readonly onDown = (reason?: unknown) => this.emit('down', reason);

  constructor(readonly id: string, private readonly ref: SessionRef, readonly lun: number) {
    super();
    ref.acquire();
    ref.session.on('up', this.onUp);
    ref.session.on('down', this.onDown);
    ref.session.on('closed', this.onDown);
  }

  get portal(): string {
    return this.ref.portal;
  }

  get targetName(): string {
    return this.ref.targetName;
  }

  get connected(): boolean {
    return !this.closed && this.ref.session.state === 'up';
  }

  execute(req: ScsiRequest): Promise<ScsiOutcome> {
    if (this.closed) return Promise.resolve({ kind: 'transport-error', error: new Error(`path ${this.id} is closed`) });
    return this.ref.session.execute(this.lun, req);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ref.session.off('up', this.onUp);
    this.ref.session.off('down', this.onDown);
    this.ref.session.off('closed', this.onDown);
    await this.ref.release();
  }
}
