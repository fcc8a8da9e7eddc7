/**
 * A routable command on a multi-controller array (docs/ha.md "I/O on the non-owner",
 * "Holding commands"): the ALUA check and the AccessRouter's decision, in a loop that
 * holds the command while the router says it must wait, and routes it again when a
 * forward comes back undelivered (the owner died, hung or is no longer the owner) or a
 * local run failed because this controller lost the back end. A host sees one answer:
 * the one the command got once it could be decided.
 *
 * - Holding: the command waits in the task set as a dormant task (SAM-5 task states; ABORT
 *   TASK, LUN RESET and nexus loss end it with TASK ABORTED; the drain of an ownership
 *   move does not wait for it) until AccessRouter.changed() fires or a re-check tick.
 * - The bound: holds and re-routes together last at most AccessRouter.holdLimitMs. Past
 *   it the command is decided as it stands — the ALUA check answers for the state it
 *   waited in (SPC-4 §5.16.2.4: transitioning NOT READY 04h/0Ah, standby 04h/0Bh,
 *   unavailable 04h/0Ch) — so a multipath host fails over to another path; a forward
 *   that still cannot be delivered gets the sense of the port's state the same way. No
 *   path answers HARDWARE ERROR for a controller that failed while the array survives.
 * - A forward is re-sent only after the facts changed (or a tick passed), so a command
 *   never spins between two controllers.
 */
import { systemClock, type Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { AccessRouter, RouteDecision } from './access-router.js';
import { aluaCheck } from './alua/access-state.js';
import type { AluaStateName, OpcodeEntry } from './command-context.js';
import type { CoreLu } from './core-context.js';
import type { LogicalUnit } from './logical-unit.js';
import { checkCondition, GOOD, type SenseReason } from './sense.js';
import { Status, type ScsiCommand, type ScsiResponse } from './types.js';

/** A held command re-checks the router this often even when no change was signalled, ms. */
export const HOLD_RECHECK_MS = 250;

const ABORTED: ScsiResponse = Object.freeze({ status: Status.TaskAborted, aborted: true });
/** Stands in for the answer of a forward that was not delivered (never sent to a host). */
const UNDELIVERED: ScsiResponse = Object.freeze({ status: Status.Busy });

/** What a port in each state answers a media command it cannot serve (SPC-4 §5.16.2.4). */
const CANNOT_SERVE: Readonly<Record<AluaStateName, SenseReason>> = {
  'active-optimized': 'NotReadyAluaTransition',
  'active-non-optimized': 'NotReadyAluaTransition',
  'transitioning': 'NotReadyAluaTransition',
  'standby': 'NotReadyAluaStandby',
  'unavailable': 'NotReadyAluaUnavailable',
  'offline': 'NotReadyAluaUnavailable',
};

/** A dormant task of the task set: aborted through `signal`; `end()` takes it out. */
export interface HeldTask {
  readonly signal: AbortSignal;
  end(): void;
}

/** What the SCSI target lends the loop. */
export interface RoutingHost {
  readonly router: AccessRouter;
  readonly clock?: Clock;
  readonly logger?: Logger | undefined;
  /** Runs `handler` as a task of the task set (task management and ownership drains see it). */
  run(cmd: ScsiCommand, lu: LogicalUnit, handler: () => Promise<ScsiResponse> | ScsiResponse): Promise<ScsiResponse>;
  /** Registers `cmd` as a dormant task while it is held. */
  hold(cmd: ScsiCommand, lu: LogicalUnit): HeldTask;
}

type Forward = Extract<RouteDecision, { kind: 'forward' }>;

/**
 * Decides and runs a routable command. `runHere` runs it on this controller (the
 * reservation and CDB checks and the handler); everything before that is decided here.
 */
export async function executeRouted(h: RoutingHost, lu: LogicalUnit, cmd: ScsiCommand, e: OpcodeEntry<CoreLu>, runHere: () => Promise<ScsiResponse> | ScsiResponse): Promise<ScsiResponse> {
  const r = h.router;
  const clock = h.clock ?? systemClock;
  const deadline = clock.now() + (r.holdLimitMs ?? 0);
  const left = (): number => deadline - clock.now();
  const waitForChange = (): Promise<boolean> => held(h, clock, lu, cmd, left());
  for (;;) {
    if (left() > 0 && r.holdReason?.(lu, cmd.nexus) !== undefined) {
      if (!(await waitForChange())) return ABORTED;
      continue;
    }
    const alua = aluaCheck(r.aluaState(lu, cmd.nexus), e.aluaAllowed);
    if (alua) return checkCondition(alua);
    const d = r.route(lu, cmd, e);
    switch (d.kind) {
      case 'reject':
        return checkCondition(d.reason);
      case 'good':
        return GOOD;
      case 'trespass': {
        if (await trespassed(h, d.trespass)) return runHere();
        // Refused because the volume is already moving: wait for that move like any command.
        if (left() > 0 && r.holdReason?.(lu, cmd.nexus) !== undefined) continue;
        return checkCondition('NotReadyAluaTransition');
      }
      case 'local': {
        const resp = await runHere();
        if (resp.aborted || left() <= 0 || r.retryElsewhere?.(lu, resp) !== true) return resp;
        h.logger?.warn({ opcode: cmd.cdb[0] }, 'back end lost here while the command ran: routing it again');
        break;
      }
      case 'forward': {
        const resp = await forwarded(h, lu, cmd, d);
        if (resp !== undefined) return resp;
        if (left() <= 0) return checkCondition(CANNOT_SERVE[r.aluaState(lu, cmd.nexus)]);
        break;
      }
    }
    if (!(await waitForChange())) return ABORTED;
  }
}

/** The owner's answer, or undefined when the forward came back undelivered. */
async function forwarded(h: RoutingHost, lu: LogicalUnit, cmd: ScsiCommand, d: Forward): Promise<ScsiResponse | undefined> {
  let undelivered: string | undefined;
  const resp = await h.run(cmd, lu, async () => {
    const out = await d.forward(cmd).catch((err: unknown) => ({ reroute: err instanceof Error ? err.message : String(err) }));
    if ('reroute' in out) {
      undelivered = out.reroute;
      return UNDELIVERED;
    }
    return out;
  });
  if (resp.aborted || undelivered === undefined) return resp;
  h.logger?.info({ opcode: cmd.cdb[0], why: undelivered }, 'forward not delivered: routing the command again');
  return undefined;
}

async function trespassed(h: RoutingHost, trespass: () => Promise<void>): Promise<boolean> {
  try {
    await trespass();
    return true;
  } catch (err) {
    h.logger?.warn({ err }, 'trespass before execution failed');
    return false;
  }
}

/**
 * Waits as a dormant task until the router's facts change, a re-check tick or the
 * deadline passes; false when the task was aborted meanwhile.
 */
async function held(h: RoutingHost, clock: Clock, lu: LogicalUnit, cmd: ScsiCommand, leftMs: number): Promise<boolean> {
  const task = h.hold(cmd, lu);
  try {
    if (task.signal.aborted) return false;
    await new Promise<void>((resolve) => {
      const timer = clock.setTimeout(done, Math.max(0, Math.min(HOLD_RECHECK_MS, leftMs)));
      task.signal.addEventListener('abort', done, { once: true });
      void h.router.changed?.().then(done, done);
      function done(): void {
        clock.clearTimeout(timer);
        task.signal.removeEventListener('abort', done);
        resolve();
      }
    });
    return !task.signal.aborted;
  } finally {
    task.end();
  }
}
