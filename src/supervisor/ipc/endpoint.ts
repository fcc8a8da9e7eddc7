/**
 * One end of the supervisor ↔ controller protocol (protocol.ts) over the IPC transport
 * (ipc-rpc.ts), typed by the op table: `channel.request('trespass', { volumeId, to,
 * reason })` takes exactly that op's arguments and resolves to its checked result.
 * serve() installs a handler per op the other side may send; each gets checked
 * arguments. An unknown op or malformed arguments are answered with an IpcMessageError
 * naming the field; a malformed note is logged and dropped; a malformed result rejects
 * the request with an IpcMessageError.
 */
import type { Logger } from '../../lib/logger.js';
import { IpcMessageError } from './check.js';
import type { IpcRpc } from './ipc-rpc.js';
import { specOf, type ArgsOf, type IpcOp, type IpcSide, type NoteOp, type RequestOp, type ResultOf } from './protocol.js';

type Other<S extends IpcSide> = S extends 'supervisor' ? 'controller' : 'supervisor';
type ArgsAndTimeout<K extends IpcOp> = [ArgsOf<K>] extends [void] ? [args?: undefined, timeoutMs?: number] : [args: ArgsOf<K>, timeoutMs?: number];

/** A handler for every request and note the other side sends. */
export type IpcHandlers<From extends IpcSide> =
  & { [K in RequestOp<From>]: (args: ArgsOf<K>) => Promise<ResultOf<K>> | ResultOf<K> }
  & { [K in NoteOp<From>]: (args: ArgsOf<K>) => void };

export class IpcEndpoint<Me extends IpcSide> {
  constructor(private readonly rpc: IpcRpc, private readonly me: Me, private readonly logger?: Logger) {}

  /** Sends `op` (an op without arguments takes none) and resolves to its checked result. */
  async request<K extends RequestOp<Me>>(op: K, ...[args, timeoutMs]: ArgsAndTimeout<K>): Promise<ResultOf<K>> {
    const spec = specOf(op, this.me, 'request');
    if (!spec || spec.kind !== 'request') throw new IpcMessageError(`${op} is not a request the ${this.me} sends`, 'op');
    const raw = await this.rpc.request(op, args ?? null, timeoutMs);
    return spec.result(raw, `${op} result`) as ResultOf<K>;
  }

  note<K extends NoteOp<Me>>(op: K, args: ArgsOf<K>): void {
    this.rpc.note(op, args ?? null);
  }

  /** Rejects every request still waiting for an answer (the process is gone). */
  failAll(reason: string): void {
    this.rpc.failAll(reason);
  }

  /** Serves what the other side sends; `handlers` has one entry per op it may send. */
  serve(handlers: IpcHandlers<Other<Me>>): void {
    const from = (this.me === 'supervisor' ? 'controller' : 'supervisor') as Other<Me>;
    const table = handlers as unknown as Record<string, (args: unknown) => unknown>;
    this.rpc.onRequest((op, raw) => {
      const spec = specOf(op, from, 'request');
      const handler = table[op];
      if (!spec || !handler) throw new IpcMessageError(`unknown request '${op}' (from the ${from})`, 'op');
      return handler(spec.args(raw, `${op} args`));
    });
    this.rpc.onNote((op, raw) => {
      try {
        const spec = specOf(op, from, 'note');
        const handler = table[op];
        if (!spec || !handler) throw new IpcMessageError(`unknown note '${op}' (from the ${from})`, 'op');
        handler(spec.args(raw, `${op} args`));
      } catch (err) {
        this.logger?.error({ err, op }, 'IPC note refused');
      }
    });
  }
}

/** The supervisor's channel to one controller process. */
export type ControllerChannel = IpcEndpoint<'supervisor'>;
/** A controller process's channel to its supervisor. */
export type SupervisorChannel = IpcEndpoint<'controller'>;
