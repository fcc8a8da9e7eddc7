/**
 * Keeps one connection's overlapping requests in the order the client sent them.
 * NBD lets a server complete requests in any order, but a client that pipelines a
 * write and then an overlapping write (or read) expects the later one to win, so a
 * request waits for every EARLIER in-flight request it conflicts with:
 *  - a write-like request (WRITE, TRIM, WRITE_ZEROES) conflicts with any overlapping one;
 *  - a read conflicts with overlapping writes only;
 *  - a flush waits for every earlier write ("NBD_CMD_FLUSH … all write commands … that
 *    the server has completed … MUST be written to non-volatile storage"; waiting for
 *    the ones still running too is the simple, safe reading).
 * Ranges are widened to whole device blocks by the caller, so that read-modify-write
 * of a partial block is also serialised.
 */
interface Entry {
  start: number;
  end: number;
  write: boolean;
  done: Promise<void>;
}

export type Access = 'read' | 'write' | 'flush';

export class InflightOrder {
  private readonly entries = new Set<Entry>();

  get size(): number {
    return this.entries.size;
  }

  /**
   * Registers a request; returns what to await before running it (undefined when
   * nothing conflicts) and a release() to call exactly once when it has finished.
   */
  admit(access: Access, start: number, end: number): { ready: Promise<unknown> | undefined; release: () => void } {
    const deps: Promise<void>[] = [];
    for (const e of this.entries) {
      if (access === 'flush') {
        if (e.write) deps.push(e.done);
      } else if ((access === 'write' || e.write) && e.start < end && start < e.end) deps.push(e.done);
    }
    let release!: () => void;
    const done = new Promise<void>((r) => (release = r));
    const entry: Entry = { start, end, write: access === 'write', done };
    this.entries.add(entry);
    return {
      ready: deps.length === 0 ? undefined : Promise.all(deps),
      release: () => {
        this.entries.delete(entry);
        release();
      },
    };
  }
}
