/**
 * Stable pseudo names for multipath devices ("tandem0", "tandem1", … as PowerPath's
 * emcpowera): the identity key → name map is kept in <dataDir>/devices.json so that a
 * device keeps its NBD export name across agent restarts.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const DEVICE_NAMES_FILE = 'devices.json';

export class DeviceNameBook {
  private constructor(private readonly file: string, private readonly byKey: Map<string, string>) {}

  static async open(dataDir: string): Promise<DeviceNameBook> {
    const file = join(dataDir, DEVICE_NAMES_FILE);
    const map = new Map<string, string>();
    try {
      const j = JSON.parse(await readFile(file, 'utf8')) as unknown;
      if (j && typeof j === 'object') for (const [k, v] of Object.entries(j)) if (typeof v === 'string') map.set(k, v);
    } catch {
      /* absent or unreadable: start afresh */
    }
    return new DeviceNameBook(file, map);
  }

  /** The name for an identity key, assigning (and persisting) the lowest free "tandemN". */
  async nameFor(key: string): Promise<string> {
    const have = this.byKey.get(key);
    if (have) return have;
    const used = new Set(this.byKey.values());
    let i = 0;
    while (used.has(`tandem${i}`)) i++;
    const name = `tandem${i}`;
    this.byKey.set(key, name);
    await mkdir(join(this.file, '..'), { recursive: true });
    const tmp = `${this.file}.tmp-${process.pid}`;
    await writeFile(tmp, `${JSON.stringify(Object.fromEntries(this.byKey), null, 2)}\n`);
    await rename(tmp, this.file);
    return name;
  }
}
