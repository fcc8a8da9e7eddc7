/**
 * The exports an NBD server offers, by name. Several names may point at one device
 * (the host agent exports each multipath device as "tandem0" and as its NAA id).
 * The empty name is the "default export" (proto.md: "the empty string … the default
 * export"): the configured default, or the only export when there is exactly one.
 */
import type { BlockDevice } from '../../block/block-device.js';

export interface NbdExport {
  name: string;
  device: BlockDevice;
  description?: string | undefined;
  readOnly?: boolean | undefined;
}

export class NbdExportRegistry {
  private readonly map = new Map<string, NbdExport>();
  defaultName: string | undefined;

  set(e: NbdExport): void {
    this.map.set(e.name, e);
  }

  delete(name: string): boolean {
    return this.map.delete(name);
  }

  get(name: string): NbdExport | undefined {
    if (name !== '') return this.map.get(name);
    if (this.defaultName !== undefined) return this.map.get(this.defaultName);
    return this.map.size === 1 ? [...this.map.values()][0] : undefined;
  }

  list(): NbdExport[] {
    return [...this.map.values()];
  }
}
