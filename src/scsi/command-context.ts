/**
 * What a command handler sees, and the shape of an opcode-table row. Handlers live in
 * spc/, sbc/ and pr/; each folder exports an array of OpcodeEntry; opcode-table.ts
 * merges them into the one table that both dispatches commands and answers REPORT
 * SUPPORTED OPERATION CODES (SPC-4 §6.35), so the two can never disagree.
 */
import type { BlockDevice } from '../block/block-device.js';
import type { ItNexus, ScsiCommand, ScsiResponse } from './types.js';
import type { AluaStateName } from './wire/index.js';

/** Identity of a logical unit (SPC-4 §7.8.6 device identification, §7.8.19 unit serial). */
export interface LuIdentity {
  /** Volume name, shown as the LU name. */
  readonly name: string;
  /** 16-byte NAA IEEE Registered Extended designator (NAA type 6), SPC-4 §7.8.6.6.4. */
  readonly naa: Buffer;
  /** Unit serial number (ASCII, VPD 0x80). */
  readonly serial: string;
  readonly vendor: string; // 8 chars max, T10 vendor id
  readonly product: string; // 16 chars max
  readonly revision: string; // 4 chars max
}

/** A mutex serialising writers of a logical unit (COMPARE AND WRITE atomicity, SBC-4 §5.3). */
export interface LuLock {
  /** Run fn while holding the lock on [lba, lba+blocks); other writers of overlapping ranges wait. */
  withRange<T>(lba: number, blocks: number, fn: () => Promise<T>): Promise<T>;
}

/** The logical unit as handlers see it. LogicalUnit (logical-unit.ts) implements it. */
export interface LogicalUnitView {
  readonly identity: LuIdentity;
  readonly device: BlockDevice;
  readonly blockSize: number;
  /** Number of logical blocks (device.sizeBytes / blockSize). */
  readonly blockCount: number;
  readonly thin: boolean;
  /** Write-protected by the operator (WRITE → DATA PROTECT 27h/00h; MODE SENSE WP bit). */
  readonly writeProtected: boolean;
  /** Range lock for atomic read-modify-write (COMPARE AND WRITE, ORWRITE, XCOPY). */
  readonly lock: LuLock;
  /** Current mode page values the SBC handlers depend on. */
  readonly caching: { readonly wce: boolean; readonly rcd: boolean };
}

/** The target as handlers see it (REPORT LUNS, XCOPY designator lookup, VPD 0x83). */
export interface TargetView {
  lunsFor(nexus: ItNexus): number[];
  /** Find a logical unit this nexus may access by its NAA designator (for EXTENDED COPY). */
  findByNaa(nexus: ItNexus, naa: Buffer): LogicalUnitView | undefined;
}

export interface CommandContext<L extends LogicalUnitView = LogicalUnitView> {
  readonly cmd: ScsiCommand;
  readonly lu: L;
  readonly target: TargetView;
  /** Aborted when a task management function ends this task; long handlers may stop early. */
  readonly signal?: AbortSignal;
}

export type Handler<L extends LogicalUnitView = LogicalUnitView> = (ctx: CommandContext<L>) => Promise<ScsiResponse> | ScsiResponse;

/** Data direction of a command, for the transport sanity checks and RSOC. */
export type DataDirection = 'none' | 'in' | 'out';

/** One row of the opcode table. */
export interface OpcodeEntry<L extends LogicalUnitView = LogicalUnitView> {
  readonly opcode: number;
  /** Service action (for opcodes like 9Eh, A3h, 7Fh, 83h/84h); undefined when none. */
  readonly serviceAction?: number | undefined;
  readonly name: string;
  /** CDB length in bytes (6, 10, 12, 16, 32). */
  readonly cdbLength: number;
  /**
   * CDB usage data for REPORT SUPPORTED OPERATION CODES (SPC-4 §6.35.3): one byte per
   * CDB byte, a bit set where the field is supported. First byte is the opcode.
   */
  readonly usageMask: readonly number[];
  readonly direction: DataDirection;
  /**
   * Reservation conflict behaviour (SPC-4 Table 41 / §5.9.1): which registrants may run
   * this command while another I_T nexus holds a persistent reservation. See pr/conflict.ts.
   */
  readonly pr: PrConflictClass;
  /** Allowed while an SPC-2 RESERVE is held by another nexus (SPC-2 §5.5.1). */
  readonly allowedUnderSpc2Reserve: boolean;
  /** Runs even when a unit attention is pending (INQUIRY, REPORT LUNS, REQUEST SENSE; SAM-5 §5.14). */
  readonly skipsUnitAttention: boolean;
  /** Needs no logical unit (REPORT LUNS, INQUIRY to an unmapped LUN, REQUEST SENSE). */
  readonly worksWithoutLu?: boolean;
  /** Allowed ALUA access states other than active/optimized (SPC-4 §5.16.2.4). */
  readonly aluaAllowed: readonly AluaStateName[];
  readonly handler: Handler<L>;
}

/**
 * How a command behaves under a persistent reservation held by another nexus
 * (SPC-4 Table 41): 'read' = conflicts for WE/EA-type holders' non-registrants as a read,
 * 'write' = as a write, 'allowed' = never conflicts, 'pr' = PR IN/OUT rules.
 */
export type PrConflictClass = 'read' | 'write' | 'allowed' | 'conflict' | 'pr';

/** The access states the target reports: the SCSI client codec's names (wire/alua-state.ts), LBA dependent excepted. */
export type { AluaStateName };
