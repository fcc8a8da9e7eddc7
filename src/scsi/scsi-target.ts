/**
 * The SCSI target device (SAM-5 §4.6): resolves LUNs per I_T nexus, runs every command
 * through the check order LIO uses — LUN lookup → unit attention → ALUA access state →
 * reservation conflict → CDB sanity → handler — tracks tasks in flight, and carries
 * out task management functions (SAM-5 §7).
 *
 * - Unmapped LUN (SPC-4 §6.6.2, SAM-5 §5.8.5): INQUIRY answers peripheral qualifier 011b /
 *   type 1Fh, REQUEST SENSE reports LOGICAL UNIT NOT SUPPORTED, REPORT LUNS works, and
 *   everything else ends CHECK CONDITION, LOGICAL UNIT NOT SUPPORTED (25h/00h).
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
 */
import type { Logger } from '../lib/logger.js';
import { aluaCheck } from './alua/access-state.js';
import type { LogicalUnitView } from './command-context.js';
import type { CoreContext, CoreLu, CoreTarget } from './core-context.js';
import type { LogicalUnit } from './logical-unit.js';
import { buildOpcodeTable, type OpcodeTable } from './opcode-table.js';
import { prConflicts } from './pr/conflict.js';
import type { PortInfo } from './pr/pr-out-logic.js';
import { regMatches } from './pr/pr-state.js';
import { checkCondition, type SenseReason } from './sense.js';
import { unmappedInquiry } from './spc/inquiry.js';
import { reportLuns } from './spc/report-luns.js';
import { requestSenseUnmapped } from './spc/request-sense.js';
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
  /** Defaults to buildOpcodeTable() (SPC + PR + SBC rows). */
  table?: OpcodeTable;
}

interface Task {
  readonly nexus: ItNexus;
  readonly lu: LogicalUnit;
  readonly tag: number;
  readonly controller: AbortController;
  aborted: boolean;
  done: Promise<void>;
}

const CONFLICT: ScsiResponse = Object.freeze({ status: Status.ReservationConflict });
const ABORTED: ScsiResponse = Object.freeze({ status: Status.TaskAborted, aborted: true });

export class ScsiTarget implements ScsiTargetPort, CoreTarget {
  readonly ports: readonly PortInfo[];
  readonly table: OpcodeTable;
  private readonly access: LunAccess;
  private readonly logger?: Logger;
  private readonly onEvent?: (e: { type: string; detail: string }) => void;
  private readonly nexuses = new Map<string, ItNexus>();
  private readonly tasks = new Set<Task>();

  constructor(opts: ScsiTargetOptions) {
    this.access = opts.access;
    this.ports = opts.ports.map((p) => ({ ...p }));
    this.logger = opts.logger;
    this.onEvent = opts.onEvent;
    this.table = opts.table ?? buildOpcodeTable();
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
    for (const lu of this.allLus(nexus)) lu.detachNexus(nexus.id);
  }

  // ---- commands ----

  async execute(cmd: ScsiCommand): Promise<ScsiResponse> {
    const nexus = cmd.nexus;
    if (!this.nexuses.has(nexus.id)) this.nexuses.set(nexus.id, nexus);
    const cdb = cmd.cdb;
    const lu = this.access.lunsFor(nexus).get(cmd.lun);
    if (!lu) return this.unmapped(cmd);
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
    const alua = aluaCheck(lu.aluaState(nexus.targetPortGroupId), e.aluaAllowed);
    if (alua) return checkCondition(alua);
    const holder = lu.spc2Holder;
    if (holder !== undefined && holder !== nexus.id && !e.allowedUnderSpc2Reserve) return CONFLICT;
    if (prConflicts(lu.prState, nexus, e.pr)) return CONFLICT;
    const controlAt = e.opcode === 0x7f ? 1 : e.cdbLength - 1;
    const control = cdb[controlAt] ?? 0;
    if (control & 0x04) return checkCondition('InvalidFieldInCdb', { fieldPointer: { cdb: true, byte: controlAt, bit: 2 } });
    if (control & 0x01) return checkCondition('InvalidFieldInCdb', { fieldPointer: { cdb: true, byte: controlAt, bit: 0 } });
    return this.run(cmd, lu, e.handler);
  }

  private unmapped(cmd: ScsiCommand): ScsiResponse {
    switch (cmd.cdb[0]) {
      case 0x12:
        return unmappedInquiry(cmd);
      case 0x03:
        return requestSenseUnmapped(cmd);
      case 0xa0:
        return reportLuns(cmd, this);
      default:
        return checkCondition('LunNotSupported');
    }
  }

  private async run(cmd: ScsiCommand, lu: LogicalUnit, handler: (ctx: CoreContext) => Promise<ScsiResponse> | ScsiResponse): Promise<ScsiResponse> {
    const controller = new AbortController();
    const ctx: CoreContext = { cmd, lu, target: this, signal: controller.signal };
    let finish!: () => void;
    const task: Task = { nexus: cmd.nexus, lu, tag: cmd.tag, controller, aborted: false, done: new Promise<void>((r) => (finish = r)) };
    this.tasks.add(task);
    let resp: ScsiResponse;
    try {
      resp = await handler(ctx);
    } catch (err) {
      this.logger?.error({ err, opcode: cmd.cdb[0] }, 'SCSI handler threw');
      resp = checkCondition('InternalTargetFailure');
    } finally {
      this.tasks.delete(task);
      finish();
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
  }

  /** Tasks in flight (for diagnostics and tests). */
  get tasksInFlight(): number {
    return this.tasks.size;
  }

  private markAborted(t: Task): void {
    t.aborted = true;
    t.controller.abort();
  }

  private async abort(victims: Task[]): Promise<void> {
    for (const t of victims) this.markAborted(t);
    await Promise.all(victims.map((t) => t.done));
  }

  private clearedByAnother(victims: Task[], issuer: ItNexus): void {
    for (const t of victims) if (t.nexus.id !== issuer.id) t.lu.queueUnitAttentionFor(t.nexus.id, 'UaCommandsClearedByAnotherInitiator');
  }

  private async resetLus(lus: LogicalUnit[], ua: SenseReason): Promise<void> {
    const set = new Set(lus);
    await this.abort([...this.tasks].filter((t) => set.has(t.lu)));
    for (const lu of set) {
      lu.resetState();
      lu.queueUnitAttention(ua);
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
