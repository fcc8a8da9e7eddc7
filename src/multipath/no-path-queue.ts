/**
 * queue_if_no_path with no_path_retry (multipath-tools): while a device has no usable
 * path, commands wait here. A path coming alive wakes them all; a path in an ALUA
 * transition holds them without a deadline (the target said it is changing state);
 * with no alive and no transitioning path for `noPathRetryMs`, every waiting and every
 * new command fails with EIO ("fail fast") until a path is alive again.
 * `noPathRetryMs` Infinity queues forever; 0 fails at once.
 */
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { MultipathIoError } from './classify.js';

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
}

export interface NoPathQueueOptions {
  name: string;
  noPathRetryMs: number;
  clock: Clock;
  logger: Logger;
}

export class NoPathQueue {
  private waiters: Waiter[] = [];
  private timer: TimerHandle | undefined;
  private failFast = false;

  constructor(private readonly o: NoPathQueueOptions) {}

  get queued(): number {
    return this.waiters.length;
  }

  get failingFast(): boolean {
    return this.failFast;
  }

  /** A path is alive: stop failing fast and wake every waiting command. */
  pathAlive(): void {
    this.failFast = false;
    this.disarm();
    this.settle((w) => w.resolve());
  }

  /** No path is alive but one is transitioning: hold the waiting commands, no deadline. */
  pathTransitioning(): void {
    this.disarm();
  }

  /** No path is alive or transitioning: start the no_path_retry clock (or fail at once). */
  noPath(): void {
    if (this.failFast || this.timer !== undefined || this.o.noPathRetryMs === Infinity) return;
    if (this.o.noPathRetryMs <= 0) {
      this.expire();
      return;
    }
    this.o.logger.warn({ device: this.o.name }, `no usable path: queueing I/O for ${this.o.noPathRetryMs} ms`);
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = undefined;
      this.expire();
    }, this.o.noPathRetryMs);
  }

  /**
   * Waits for a usable path. `transitioning`: a path is in an ALUA transition, so even a
   * device failing fast waits. `queued` runs once the command is queued (the caller
   * re-evaluates its paths, which may wake it at once).
   */
  wait(transitioning: boolean, queued: () => void): Promise<void> {
    if (this.failFast && !transitioning) return Promise.reject(new MultipathIoError('EIO', `${this.o.name}: no usable path`));
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      queued();
    });
  }

  /** The device is closing: every waiting command fails. */
  close(): void {
    this.disarm();
    this.settle((w) => w.reject(new MultipathIoError('EIO', `${this.o.name} is closed`)));
  }

  private disarm(): void {
    if (this.timer !== undefined) this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private expire(): void {
    this.failFast = true;
    this.o.logger.error({ device: this.o.name }, 'no usable path for no_path_retry: failing I/O');
    this.settle((w) => w.reject(new MultipathIoError('EIO', `${this.o.name}: no usable path (all paths dead or in standby for ${this.o.noPathRetryMs} ms)`)));
  }

  private settle(fn: (w: Waiter) => void): void {
    const w = this.waiters;
    this.waiters = [];
    for (const x of w) fn(x);
  }
}
