/**
 * The SCSI target device (SAM-5 §4.6): resolves LUNs per I_T nexus, runs every command
 * through the check order LIO uses — LUN lookup → unit attention → ALUA access state →
 * [AccessRouter.route(), dual-controller only] → reservation conflict → CDB sanity →
 * handler — tracks tasks in flight, and carries out task management functions (SAM-5 §7).
 * With an AccessRouter (access-router.ts) the ALUA state comes from the router, and
 * routable commands (alua/routing.ts) go through routed-execution.ts: held while the LU
 * changes hands, forwarded to the owning controller (and routed again when a forward is
 * not delivered), rejected, answered GOOD, or run here after a trespass; the owner runs
 * forwarded commands through executeForwarded() (reservation conflict → CDB sanity →
 * handler).
 *
 * - Unmapped LUN: spc/unmapped.ts.
 * - Unit attention (SAM-5 §5.14): "the device server shall terminate the command with
 *   CHECK CONDITION status ... unless the command is INQUIRY, REPORT LUNS or REQUEST SENSE".
 * - CONTROL byte: NACA and LINK are not supported (SAM-5 §5.2: "If the NACA bit is set to
 *   one but the device server does not support ACA, the device server shall terminate the
 *   command with CHECK CONDITION ... INVALID FIELD IN CDB").
 * - Aborted tasks resolve with { aborted: true } once their handler has settled; the TMF
 *   resolves after every affected task has. Tasks of other nexuses cleared by CLEAR TASK
 *   SET get COMMANDS CLEARED BY ANOTHER INITIATOR (TAS=0 in the control mode page).
 * - LOGICAL UNIT RESET: BUS DEVICE RESET FUNCTION OCCURRED (29h/03h) to every nexus of
 *   the LU, SPC-2 reservation released, persistent reservations kept (SPC-4 §5.9.3).
 *   TARGET WARM/COLD RESET: the same for every LU with POWER ON, RESET, OR BUS DEVICE
 *   RESET OCCURRED (29h/00h).
 * - I_T nexus loss (logout, connection loss, reinstatement): tasks aborted, SPC-2
 *   reservation released; `onNexusLost` tells the owner (docs/ha.md «Nexus events reach
 *   the owner»). Conflict checks wait for a change of the LU state in flight.
 */
import { systemClock, type Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { AccessRouter } from './access-router.js';
import { aluaCheck } from './alua/access-state.js';
import { defaultPortGroups } from './alua/port-groups.js';
import { isRoutable } from './alua/routing.js';
import type { AluaStateName, LogicalUnitView } from './command-context.js';
import type { CoreContext, CoreLu, CoreTarget, PortGroupView } from './core-context.js';
import { settledPromise, TaskContext, type Task } from './task.js';
import type { LogicalUnit } from './logical-unit.js';
import { buildOpcodeTable, type OpcodeTable, type Row } from './opcode-table.js';
import { prConflicts } from './pr/conflict.js';
import type { PortInfo } from './pr/pr-out-logic.js';
import { regMatches } from './pr/pr-state.js';
import { executeRouted, type HeldTask, type RoutingHost } from './routed-execution.js';
import { checkCondition, type SenseReason } from './sense.js';
import { setTargetPortGroupsRow } from './spc/set-target-port-groups.js';
import { unmappedLun } from './spc/unmapped.js';
import {
  Status,
  TmfFunction,
  TmfResult,
  type ItNexus,
  type ScsiCommand,
  type ScsiResponse,
  type ScsiTargetPort,
  type TmfRequest,
  type TmfResultValue,
} from './types.js';

export interface LunAccess {
  lunsFor(nexus: ItNexus): ReadonlyMap<number, LogicalUnit>;
}

export interface ScsiTargetOptions {
  access: LunAccess;
  ports: Array<{ relativeTargetPortId: number; targetPortGroupId: number; name: string }>;
  logger?: Logger;
  onEvent?: (e: { type: string; detail: string }) => void;
  /** Defaults to buildOpcodeTable() (SPC + PR + SBC rows; + SET TARGET PORT GROUPS with a router). */
  table?: OpcodeTable;
  /** Dual-controller access (ALUA state, routing, target port groups); absent ⇒ single controller. */
  router?: AccessRouter | undefined;
  /** PREEMPT AND ABORT aborted these nexuses' tasks on `lu` (besides the LU's own onTasksAborted hook). */
  onTasksAborted?: (nexusIds: string[], lu: LogicalUnit) => void | Promise<void>;
  /**
   * A LOGICAL UNIT RESET or target reset reset `lu` here; the dual-controller runtime
   * resets it on the peer too (its tasks, forwarded ones included, SAM-5 §7.7: "abort all
   * tasks in the task set") before the TMF completes. Errors are logged, not fatal.
   */
  onLuReset?: (lu: LogicalUnit) => Promise<void>;
  /** Timers of held commands (routed-execution.ts); the system clock by default. */
  clock?: Clock;
  /** An I_T nexus was lost here; the dual-controller runtime has the owner of each LU release it too. */
  onNexusLost?: (nexus: ItNexus, lus: readonly LogicalUnit[]) => void;
}

const CONFLICT: ScsiResponse = Object.freeze({ status: Status.ReservationConflict });
const ABORTED: ScsiResponse = Object.freeze({ status: Status.TaskAborted, aborted: true });

export class ScsiTarget implements ScsiTargetPort, CoreTarget {
  readonly ports: readonly PortInfo[];
  readonly table: OpcodeTable;
  private readonly access: LunAccess;
  private readonly logger: Logger | undefined;
  private readonly onEvent: ((e: { type: string; detail: string }) => void) | undefined;
  private readonly nexuses = new Map<string, ItNexus>();
  private readonly tasks = new Set<Task>();
  private readonly router: AccessRouter | undefined;
  private readonly onTasksAborted: ((nexusIds: string[], lu: LogicalUnit) => void | Promise<void>) | undefined;
  private readonly onLuReset: ((lu: LogicalUnit) => Promise<void>) | undefined;
  private readonly clock: Clock;
  private routingHost: RoutingHost | undefined;
  private readonly onNexusLost: ((nexus: ItNexus, lus: readonly LogicalUnit[]) => void) | undefined;

  constructor(opts: ScsiTargetOptions) {
    this.access = opts.access;
    this.ports = opts.ports.map((p) => ({ ...p }));
    this.logger = opts.logger;
    this.onEvent = opts.onEvent;
    this.router = opts.router;
    this.onTasksAborted = opts.onTasksAborted;
    this.onLuReset = opts.onLuReset;
    this.clock = opts.clock ?? systemClock;
    this.onNexusLost = opts.onNexusLost;
    this.table = opts.table ?? buildOpcodeTable(opts.router ? [setTargetPortGroupsRow] : []);
  }

  // ---- TargetView ----

  lunsFor(nexus: ItNexus): number[] {
    return [...this.access.lunsFor(nexus).keys()].sort((a, b) => a - b);
  }

  findByNaa(nexus: ItNexus, naa: Buffer): LogicalUnitView | undefined {
    for (const lu of this.access.lunsFor(nexus).values()) if (lu.identity.naa.equals(naa)) return lu;
    return undefined;
  }

  serviceActionsOf(opcode: number): number[] | undefined {
    const rows = this.table.all().filter((r) => r.opcode === opcode);
    if (rows.length === 0) return undefined;
    return rows.flatMap((r) => (r.serviceAction === undefined ? [] : [r.serviceAction]));
  }

  // ---- nexus lifecycle ----

  nexusCreated(nexus: ItNexus): void {
    this.nexuses.set(nexus.id, nexus);
    for (const lu of this.access.lunsFor(nexus).values()) lu.attachNexus(nexus);
  }

  nexusLost(nexus: ItNexus): void {
    this.nexuses.delete(nexus.id);
    for (const t of this.tasks) if (t.nexus.id === nexus.id) this.markAborted(t);
    const lus = [...this.allLus(nexus)];
    for (const lu of lus) void lu.detachNexus(nexus.id).then((o) => this.logFailed(o, 'I_T nexus loss'));
    this.onNexusLost?.(nexus, lus);
  }

  /** The I_T nexuses logged in here now (a controller taking over keeps only these). */
  liveNexusIds(): Set<string> {
    return new Set(this.nexuses.keys());
  }

  private logFailed(outcome: string | undefined, what: string): void {
    if (outcome === 'failed') this.logger?.error(`${what}: saving the LU state failed (applied here only)`);
  }

  // ---- commands ----

  async execute(cmd: ScsiCommand): Promise<ScsiResponse> {
    const nexus = cmd.nexus;
    if (!this.nexuses.has(nexus.id)) this.nexuses.set(nexus.id, nexus);
    const cdb = cmd.cdb;
    const lu = this.access.lunsFor(nexus).get(cmd.lun);
    if (!lu) return unmappedLun(cmd, this);
    lu.attachNexus(nexus);
    const found = this.table.lookup(cdb);
    const entry = found.kind === 'found' ? found.entry : undefined;
    if (!entry || !entry.skipsUnitAttention) {
      const ua = lu.takeUnitAttention(nexus.id);
      if (ua) return checkCondition(ua);
    }
    if (found.kind === 'unknown-opcode') return checkCondition('InvalidOpcode');
    if (found.kind === 'bad-service-action') return checkCondition('InvalidFieldInCdb', { fieldPointer: { cdb: true, byte: found.byte, bit: found.bit } });
    const e = found.entry;
    const router = this.router;
    if (router && isRoutable(e)) return executeRouted(this.routing(router), lu, cmd, e, () => this.runHere(cmd, lu, e));
    const alua = aluaCheck(router ? router.aluaState(lu, nexus) : lu.aluaState(nexus.targetPortGroupId), e.aluaAllowed);
    if (alua) return checkCondition(alua);
    return this.runHere(cmd, lu, e);
  }

  /**
   * Reservation conflict and CONTROL byte checks, then the handler, on this controller —
   * after any change of the LU state in flight (PR OUT, RESERVE, MODE SELECT) is saved.
   */
  private async runHere(cmd: ScsiCommand, lu: LogicalUnit, e: Row): Promise<ScsiResponse> {
    const { nexus, cdb } = cmd;
    const changing = lu.settled();
    if (changing) await changing;
    const holder = lu.spc2Holder;
    if (holder !== undefined && holder !== nexus.id && !e.allowedUnderSpc2Reserve) return CONFLICT;
    if (prConflicts(lu.prState, nexus, e.pr)) return CONFLICT;
    const controlAt = e.opcode === 0x7f ? 1 : e.cdbLength - 1;
    const control = cdb[controlAt] ?? 0;
    if (control & 0x04) return checkCondition('InvalidFieldInCdb', { fieldPointer: { cdb: true, byte: controlAt, bit: 2 } });
    if (control & 0x01) return checkCondition('InvalidFieldInCdb', { fieldPointer: { cdb: true, byte: controlAt, bit: 0 } });
    return this.run(cmd, lu, e.handler);
  }

  // ---- dual-controller (docs/ha.md "Reservations and unit attentions") ----

  /**
   * The owner's side of a command forwarded by the peer controller: the receiving
   * controller did LUN lookup, unit attention and ALUA; here the reservation conflict and
   * CONTROL byte checks, then the handler, tracked as a task (abortTasksOf, LUN RESET).
   */
  async executeForwarded(lu: LogicalUnit, cmd: ScsiCommand): Promise<ScsiResponse> {
    const found = this.table.lookup(cmd.cdb);
    if (found.kind === 'unknown-opcode') return checkCondition('InvalidOpcode');
    if (found.kind === 'bad-service-action') return checkCondition('InvalidFieldInCdb', { fieldPointer: { cdb: true, byte: found.byte, bit: found.bit } });
    return this.runHere(cmd, lu, found.entry);
  }

  /**
   * Abort the tasks on `lu` of these I_T nexuses ("initiatorPort|targetPort"; an initiator
   * device name without ISID matches every port of it, as PR registrations do), or only
   * the one with `tag`. Resolves when they have ended. The peer side of PREEMPT AND ABORT
   * and of task management for forwarded commands.
   */
  async abortTasksOf(lu: LogicalUnit, nexusIds: readonly string[], tag?: number): Promise<void> {
    const who = nexusIds.map((id) => {
      const bar = id.indexOf('|');
      return { id, initiatorPort: bar < 0 ? id : id.slice(0, bar), targetPort: bar < 0 ? '' : id.slice(bar + 1) };
    });
    const hit = (n: ItNexus): boolean => who.some((w) => w.id === n.id || regMatches(w, n));
    await this.abort([...this.tasks].filter((t) => t.lu === lu && (tag === undefined || t.tag === tag) && hit(t.nexus)));
  }

  /** The peer controller reset `lu` (LUN/target reset there): abort its tasks here too; its UA arrives as a broadcast. */
  async resetFromPeer(lu: LogicalUnit): Promise<void> {
    await this.abort([...this.tasks].filter((t) => t.lu === lu));
    this.logFailed(await lu.reset(), 'LU reset from the peer');
  }

  /**
   * Resolves once every task on `lu` in flight now has ended (an ownership move drains the
   * old owner before the new one runs commands), except those of `exceptNexusId` (the
   * SET TARGET PORT GROUPS that asked for the move is one of them) and held ones, which
   * have not started (routed-execution.ts) and run after the move.
   */
  async quiesce(lu: LogicalUnit, exceptNexusId?: string): Promise<void> {
    await Promise.all([...this.tasks].filter((t) => t.lu === lu && !t.held && t.nexus.id !== exceptNexusId).map(settledPromise));
  }

  /** INQUIRY TPGS for a nexus: 01b one controller; 11b with a router (SET TARGET PORT GROUPS supported), 00b for a host the router keeps off ALUA. */
  tpgsFor(nexus: ItNexus): 0 | 1 | 3 {
    if (!this.router) return 1;
    return this.router.reportsAlua?.(nexus) === false ? 0 : 3;
  }

  portGroups(lu: CoreLu, nexus?: ItNexus): PortGroupView[] {
    if (this.router) return this.router.targetPortGroups(lu as LogicalUnit);
    return defaultPortGroups(this.ports, lu, nexus);
  }

  async setPortGroups(lu: CoreLu, nexus: ItNexus, requests: Array<{ tpgId: number; state: AluaStateName }>): Promise<SenseReason | undefined> {
    if (!this.router) return 'InvalidOpcode';
    return this.router.setTargetPortGroups(lu as LogicalUnit, nexus, requests);
  }

  /** What the routed-command loop (routed-execution.ts) borrows: the router, the clock, task runs and dormant tasks. */
  private routing(router: AccessRouter): RoutingHost {
    return this.routingHost ??= { router, clock: this.clock, logger: this.logger, run: (c, lu, h) => this.run(c, lu, h), hold: (c, lu) => this.holdTask(c, lu) };
  }

  /** A dormant task (held, not started): TMFs and nexus loss abort it; quiesce() does not wait for it. */
  private holdTask(cmd: ScsiCommand, lu: LogicalUnit): HeldTask {
    const controller = new AbortController();
    const task: Task = { nexus: cmd.nexus, lu, tag: cmd.tag, controller, aborted: false, settled: false, done: undefined, finish: undefined, held: true };
    this.tasks.add(task);
    const end = (): void => {
      this.tasks.delete(task);
      task.settled = true;
      task.finish?.();
    };
    return { signal: controller.signal, end };
  }

  private async run(cmd: ScsiCommand, lu: LogicalUnit, handler: (ctx: CoreContext) => Promise<ScsiResponse> | ScsiResponse): Promise<ScsiResponse> {
    const task: Task = { nexus: cmd.nexus, lu, tag: cmd.tag, controller: undefined, aborted: false, settled: false, done: undefined, finish: undefined };
    const ctx = new TaskContext(cmd, lu, this, task);
    this.tasks.add(task);
    let resp: ScsiResponse;
    try {
      resp = await handler(ctx);
    } catch (err) {
      this.logger?.error({ err, opcode: cmd.cdb[0] }, 'SCSI handler threw');
      resp = checkCondition('InternalTargetFailure');
    } finally {
      this.tasks.delete(task);
      task.settled = true;
      task.finish?.();
    }
    return task.aborted ? ABORTED : resp;
  }

  // ---- task management ----

  async taskManagement(req: TmfRequest): Promise<TmfResultValue> {
    const nexus = req.nexus;
    this.onEvent?.({ type: 'tmf', detail: `${req.fn} lun ${req.lun} from ${nexus.initiatorPort}` });
    const lu = this.access.lunsFor(nexus).get(req.lun);
    switch (req.fn) {
      case TmfFunction.AbortTask: {
        const victims = [...this.tasks].filter((t) => t.nexus.id === nexus.id && t.tag === req.referencedTag);
        if (victims.length === 0) return TmfResult.TaskDoesNotExist;
        await this.abort(victims);
        return TmfResult.Complete;
      }
      case TmfFunction.AbortTaskSet:
        if (!lu) return TmfResult.LunDoesNotExist;
        await this.abort([...this.tasks].filter((t) => t.lu === lu && t.nexus.id === nexus.id));
        return TmfResult.Complete;
      case TmfFunction.ClearTaskSet: {
        if (!lu) return TmfResult.LunDoesNotExist;
        const victims = [...this.tasks].filter((t) => t.lu === lu);
        await this.abort(victims);
        this.clearedByAnother(victims, nexus);
        return TmfResult.Complete;
      }
      case TmfFunction.ClearAca:
        return TmfResult.NotSupported;
      case TmfFunction.LunReset:
        if (!lu) return TmfResult.LunDoesNotExist;
        lu.attachNexus(nexus);
        await this.resetLus([lu], 'UaBusDeviceReset');
        return TmfResult.Complete;
      case TmfFunction.TargetWarmReset:
      case TmfFunction.TargetColdReset:
        await this.resetLus([...this.allLus(nexus)], 'UaPowerOnReset');
        return TmfResult.Complete;
      default:
        return TmfResult.NotSupported;
    }
  }

  async abortForPreempt(lu: CoreLu, regs: ReadonlyArray<{ initiatorPort: string; targetPort: string }>, issuer: ItNexus): Promise<void> {
    const victims = [...this.tasks].filter((t) => t.lu === lu && t.nexus.id !== issuer.id && regs.some((r) => regMatches(r, t.nexus)));
    await this.abort(victims);
    const ids = [...new Set(regs.map((r) => `${r.initiatorPort}|${r.targetPort}`))].filter((id) => id !== issuer.id);
    const l = lu as LogicalUnit;
    if (ids.length === 0 || (!l.onTasksAborted && !this.onTasksAborted)) return;
    try {
      await l.onTasksAborted?.(ids);
      await this.onTasksAborted?.(ids, l);
    } catch (err) {
      this.logger?.warn({ err }, 'PREEMPT AND ABORT: aborting on the peer failed');
    }
  }

  /** Tasks in flight (for diagnostics and tests). */
  get tasksInFlight(): number {
    return this.tasks.size;
  }

  private markAborted(t: Task): void {
    t.aborted = true;
    t.controller?.abort();
  }

  private async abort(victims: Task[]): Promise<void> {
    for (const t of victims) this.markAborted(t);
    await Promise.all(victims.map(settledPromise));
  }

  private clearedByAnother(victims: Task[], issuer: ItNexus): void {
    for (const t of victims) if (t.nexus.id !== issuer.id) t.lu.queueUnitAttentionFor(t.nexus.id, 'UaCommandsClearedByAnotherInitiator');
  }

  private async resetLus(lus: LogicalUnit[], ua: SenseReason): Promise<void> {
    const set = new Set(lus);
    await this.abort([...this.tasks].filter((t) => set.has(t.lu)));
    if (this.onLuReset) {
      await Promise.all([...set].map((lu) => this.onLuReset!(lu).catch((err: unknown) => this.logger?.warn({ err }, 'LU reset on the peer controller failed'))));
    }
    for (const lu of set) {
      this.logFailed(await lu.reset(), 'LU reset');
      lu.raiseUnitAttention(ua);
    }
    this.onEvent?.({ type: 'reset', detail: `${set.size} logical unit(s): ${ua}` });
  }

  /** Every LU reachable by any known nexus (and by this one). */
  private allLus(extra?: ItNexus): Set<LogicalUnit> {
    const out = new Set<LogicalUnit>();
    const all = [...this.nexuses.values()];
    if (extra) all.push(extra);
    for (const n of all) for (const lu of this.access.lunsFor(n).values()) out.add(lu);
    return out;
  }
}
