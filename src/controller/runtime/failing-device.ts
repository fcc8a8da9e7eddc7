/**
 * The back end as a controller sees it (docs/ha.md "Back-end failure"): a BlockDevice
 * wrapper that
 *  - rejects I/O with EIO while a back-end failure is injected (`tandem fault
 *    backend-fail`), so the SCSI core reports the error of a controller that lost its
 *    back end; and
 *  - reports real back-end errors of the inner device (EIO, ENXIO, ENODEV, ESTALE: the
 *    storage is gone, not a bad argument) to `onError`, so the controller can hand the
 *    volume to its peer (backend-faults.ts). The error still reaches the command.
 */
import type { BlockDevice } from '../../block/block-device.js';

const IO_OPS = new Set(['read', 'readLeased', 'write', 'flush', 'discard', 'allocationStatus']);
/** errno codes that mean "the back end cannot be reached", not "this request was wrong". */
export const BACKEND_LOST_CODES: ReadonlySet<string> = new Set(['EIO', 'ENXIO', 'ENODEV', 'ESTALE']);

function eio(op: string): Error {
  return Object.assign(new Error(`${op}: input/output error (back end failed on this controller)`), { code: 'EIO', errno: -5 });
}

export interface BackendDeviceHooks {
  /** A failure is injected for this volume on this controller. */
  injected(): boolean;
  /** A real back-end error of the inner device. */
  onError(err: Error): void;
}

export function backendDevice(inner: BlockDevice, hooks: BackendDeviceHooks): BlockDevice {
  // One wrapper per method, made on first use: this sits on every I/O.
  const wrappers = new Map<PropertyKey, unknown>();
  const wrap = (name: string, fn: (...a: unknown[]) => unknown): unknown => {
    if (!IO_OPS.has(name)) return fn.bind(inner);
    return (...args: unknown[]) => {
      if (hooks.injected()) return Promise.reject(eio(name));
      const p = fn.apply(inner, args) as Promise<unknown>;
      // Observe without adding a hop to the caller's chain: the caller gets `p` itself.
      p.catch((err: unknown) => {
        const code = (err as { code?: unknown } | null)?.code;
        if (typeof code === 'string' && BACKEND_LOST_CODES.has(code)) hooks.onError(err as Error);
      });
      return p;
    };
  };
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      let w = wrappers.get(prop);
      if (w === undefined) {
        w = wrap(String(prop), v as (...a: unknown[]) => unknown);
        wrappers.set(prop, w);
      }
      return w;
    },
  });
}
