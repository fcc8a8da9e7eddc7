/**
 * Back-end failure injection (HA design "Back-end failure", `tandem fault backend-fail`):
 * a BlockDevice whose I/O rejects with EIO while `failed()` is true, so the SCSI core
 * reports the medium/hardware error of a controller that lost its back end.
 */
import type { BlockDevice } from '../block/block-device.js';

function eio(op: string): Error {
  return Object.assign(new Error(`${op}: input/output error (back end failed on this controller)`), { code: 'EIO', errno: -5 });
}

export function failingDevice(inner: BlockDevice, failed: () => boolean): BlockDevice {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      const name = String(prop);
      if (!['read', 'write', 'flush', 'discard', 'allocationStatus'].includes(name)) return (v as (...a: unknown[]) => unknown).bind(target);
      return (...args: unknown[]) => (failed() ? Promise.reject(eio(name)) : (v as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
}
