/**
 * Request/response and notifications over the Node IPC channel between the supervisor
 * (`tandem up`) and a controller process (child_process.fork). Messages are JSON
 * (structured clone, 'json' serialization): Buffers travel as base64 strings.
 * A request on a closed channel, or without an answer in time, rejects. This is the
 * transport only: what each op carries is checked by the protocol (protocol.ts,
 * endpoint.ts). A message that is not one of the three envelopes below is dropped (and
 * reported to `onBadMessage`); a failed request is answered with the error's message and,
 * for a malformed message, its code and field, so the caller gets an IpcMessageError.
 */
import { IPC_BAD_MESSAGE, IpcMessageError } from './check.js';

export type IpcMessage =
  | { t: 'req'; id: number; op: string; args: unknown }
  | { t: 'res'; id: number; ok: true; result: unknown }
  | { t: 'res'; id: number; ok: false; error: string; code?: string; field?: string }
  | { t: 'note'; op: string; args: unknown };

/** What both ChildProcess and the child's `process` offer. */
export interface IpcChannel {
  send?(msg: unknown, cb?: (err: Error | null) => void): boolean;
  on(ev: 'message', fn: (msg: unknown) => void): unknown;
  on(ev: 'disconnect', fn: () => void): unknown;
  readonly connected?: boolean;
}

export type IpcHandler = (op: string, args: unknown) => Promise<unknown> | unknown;

/** The envelope of a received message, or why it is not one. */
export function parseEnvelope(m: unknown): IpcMessage | string {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return 'not an object';
  const o = m as Record<string, unknown>;
  const id = typeof o.id === 'number' && Number.isSafeInteger(o.id) ? o.id : undefined;
  switch (o.t) {
    case 'req':
      if (id === undefined || typeof o.op !== 'string') return 'request without a numeric id and an op';
      return { t: 'req', id, op: o.op, args: o.args };
    case 'note':
      if (typeof o.op !== 'string') return 'note without an op';
      return { t: 'note', op: o.op, args: o.args };
    case 'res':
      if (id === undefined) return 'response without a numeric id';
      if (o.ok === true) return { t: 'res', id, ok: true, result: o.result };
      if (o.ok === false && typeof o.error === 'string') {
        return {
          t: 'res', id, ok: false, error: o.error,
          ...(typeof o.code === 'string' ? { code: o.code } : {}), ...(typeof o.field === 'string' ? { field: o.field } : {}),
        };
      }
      return 'response neither ok with a result nor failed with an error';
    default:
      return `unknown message type ${JSON.stringify(o.t)}`;
  }
}

export class IpcRpc {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private handler: IpcHandler = (op) => {
    throw new Error(`no handler for ${op}`);
  };
  private noteHandler: (op: string, args: unknown) => void = () => {};

  constructor(private readonly ch: IpcChannel, private readonly onBadMessage: (why: string) => void = () => {}) {
    ch.on('message', (m) => this.onMessage(m));
    ch.on('disconnect', () => this.failAll('IPC channel closed'));
  }

  onRequest(fn: IpcHandler): void {
    this.handler = fn;
  }
  onNote(fn: (op: string, args: unknown) => void): void {
    this.noteHandler = fn;
  }

  request(op: string, args: unknown = null, timeoutMs = 10000): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      if (!this.ch.connected || !this.ch.send) return reject(new Error(`IPC ${op}: channel closed`));
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`IPC ${op}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.ch.send({ t: 'req', id, op, args } satisfies IpcMessage, (err) => {
        if (err) this.settle(id, undefined, err);
      });
    });
  }

  note(op: string, args: unknown = null): void {
    if (this.ch.connected && this.ch.send) {
      try {
        this.ch.send({ t: 'note', op, args } satisfies IpcMessage, () => {});
      } catch {
        /* channel closing */
      }
    }
  }

  failAll(reason: string): void {
    for (const id of [...this.pending.keys()]) this.settle(id, undefined, new Error(reason));
  }

  private settle(id: number, value: unknown, err?: Error): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (err) p.reject(err);
    else p.resolve(value);
  }

  private reply(m: IpcMessage): void {
    if (this.ch.connected && this.ch.send) {
      try {
        this.ch.send(m, () => {});
      } catch {
        /* closing */
      }
    }
  }

  private onMessage(raw: unknown): void {
    const m = parseEnvelope(raw);
    if (typeof m === 'string') {
      this.onBadMessage(m);
      return;
    }
    if (m.t === 'res') {
      if (m.ok) this.settle(m.id, m.result);
      else this.settle(m.id, undefined, m.code === IPC_BAD_MESSAGE ? new IpcMessageError(m.error, m.field) : new Error(m.error));
    } else if (m.t === 'note') {
      this.noteHandler(m.op, m.args);
    } else {
      void (async () => {
        try {
          this.reply({ t: 'res', id: m.id, ok: true, result: (await this.handler(m.op, m.args)) ?? null });
        } catch (err) {
          this.reply({
            t: 'res', id: m.id, ok: false, error: (err as Error).message,
            ...(err instanceof IpcMessageError ? { code: IPC_BAD_MESSAGE, ...(err.field !== undefined ? { field: err.field } : {}) } : {}),
          });
        }
      })();
    }
  }
}
