/**
 * Request/response and notifications over the Node IPC channel between the supervisor
 * (`tandem up`) and a controller process (child_process.fork). Messages are JSON
 * (structured clone, 'json' serialization): Buffers travel as base64 strings.
 * A request on a closed channel, or without an answer in time, rejects.
 */
export type IpcMessage =
  | { t: 'req'; id: number; op: string; args: unknown }
  | { t: 'res'; id: number; ok: true; result: unknown }
  | { t: 'res'; id: number; ok: false; error: string }
  | { t: 'note'; op: string; args: unknown };

/** What both ChildProcess and the child's `process` offer. */
export interface IpcChannel {
  send?(msg: unknown, cb?: (err: Error | null) => void): boolean;
  on(ev: 'message', fn: (msg: unknown) => void): unknown;
  on(ev: 'disconnect', fn: () => void): unknown;
  readonly connected?: boolean;
}

export type IpcHandler = (op: string, args: unknown) => Promise<unknown> | unknown;

export class IpcRpc {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private handler: IpcHandler = (op) => {
    throw new Error(`no handler for ${op}`);
  };
  private noteHandler: (op: string, args: unknown) => void = () => {};

  constructor(private readonly ch: IpcChannel) {
    ch.on('message', (m) => this.onMessage(m as IpcMessage));
    ch.on('disconnect', () => this.failAll('IPC channel closed'));
  }

  onRequest(fn: IpcHandler): void {
    this.handler = fn;
  }
  onNote(fn: (op: string, args: unknown) => void): void {
    this.noteHandler = fn;
  }

  request<T = unknown>(op: string, args: unknown = null, timeoutMs = 10000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (!this.ch.connected || !this.ch.send) return reject(new Error(`IPC ${op}: channel closed`));
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`IPC ${op}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
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

  private onMessage(m: IpcMessage): void {
    if (typeof m !== 'object' || m === null) return;
    if (m.t === 'res') {
      this.settle(m.id, m.ok ? m.result : undefined, m.ok ? undefined : new Error(m.error));
    } else if (m.t === 'note') {
      this.noteHandler(m.op, m.args);
    } else if (m.t === 'req') {
      void (async () => {
        let reply: IpcMessage;
        try {
          reply = { t: 'res', id: m.id, ok: true, result: (await this.handler(m.op, m.args)) ?? null };
        } catch (err) {
          reply = { t: 'res', id: m.id, ok: false, error: (err as Error).message };
        }
        if (this.ch.connected && this.ch.send) {
          try {
            this.ch.send(reply, () => {});
          } catch {
            /* closing */
          }
        }
      })();
    }
  }
}
