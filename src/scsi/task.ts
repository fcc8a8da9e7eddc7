/**
 * A task in the task set of the SCSI target (SAM-5 §8 task management model) and the
 * handler's context of it. The AbortController is made only when a handler reads
 * ctx.signal, and the `done` promise only when task management waits for the task.
 */
import type { CoreContext, CoreTarget } from './core-context.js';
import type { LogicalUnit } from './logical-unit.js';
import type { ItNexus, ScsiCommand } from './types.js';

export interface Task {
  readonly nexus: ItNexus;
  readonly lu: LogicalUnit;
  readonly tag: number;
  /** Created only when a handler reads ctx.signal (an AbortController per I/O is costly). */
  controller: AbortController | undefined;
  aborted: boolean;
  /** The handler has settled. `done` is made only when task management waits for it. */
  settled: boolean;
  done: Promise<void> | undefined;
  finish: (() => void) | undefined;
  /** Held: in the task set but not started (routed-execution.ts); an ownership drain does not wait for it. */
  held?: boolean;
}

/** The handler's context; `signal` is made on first use (see Task.controller). */
export class TaskContext implements CoreContext {
  constructor(
    readonly cmd: ScsiCommand,
    readonly lu: LogicalUnit,
    readonly target: CoreTarget,
    private readonly task: Task,
  ) {}

  get signal(): AbortSignal {
    const t = this.task;
    if (!t.controller) {
      t.controller = new AbortController();
      if (t.aborted) t.controller.abort();
    }
    return t.controller.signal;
  }
}

export function settledPromise(t: Task): Promise<void> | undefined {
  if (t.settled) return undefined;
  return (t.done ??= new Promise<void>((r) => (t.finish = r)));
}
