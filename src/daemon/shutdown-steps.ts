/** Undo steps collected while an array starts, run newest first on stop or on a failed start. */
import type { Logger } from '../lib/logger.js';

export class ShutdownSteps {
  private readonly steps: Array<() => Promise<void> | void> = [];
  constructor(private readonly logger: Logger) {}

  add(step: () => Promise<void> | void): void {
    this.steps.push(step);
  }

  /** Runs every step once, newest first; a failing step is logged and the rest still run. */
  async runAll(): Promise<void> {
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step();
      } catch (err) {
        this.logger.error({ err }, 'shutdown step failed');
      }
    }
  }
}
