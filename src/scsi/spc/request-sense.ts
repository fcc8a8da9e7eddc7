/**
 * REQUEST SENSE (SPC-4 §6.39). With a unit attention pending for the nexus, the sense
 * data reports it and the condition is cleared (SAM-5 §5.14: "... the unit attention
 * condition shall be reported ... and cleared"); otherwise NO SENSE. DESC=1 returns
 * descriptor format (response code 72h, SPC-4 §4.5.2). To a LUN the nexus cannot
 * access: "LOGICAL UNIT NOT SUPPORTED" sense data with GOOD status (SPC-4 §6.39).
 */
import type { CommandContext } from '../command-context.js';
import { core, type CoreLu } from '../core-context.js';
import { buildSense, SENSE_TABLE, type SenseReason } from '../sense.js';
import type { ScsiCommand, ScsiResponse } from '../types.js';
import { cdbByte, dataIn, invalidCdb } from './util.js';

function senseData(reason: SenseReason, desc: boolean): Buffer {
  if (!desc) return buildSense(reason);
  const [key, asc, ascq] = SENSE_TABLE[reason];
  const b = Buffer.alloc(8);
  b[0] = 0x72;
  b[1] = key;
  b[2] = asc;
  b[3] = ascq;
  return b;
}

function answer(cmd: ScsiCommand, reason: () => SenseReason): ScsiResponse {
  const cdb = cmd.cdb;
  if (cdbByte(cdb, 1) & 0xfe) return invalidCdb(1);
  const desc = (cdbByte(cdb, 1) & 0x01) !== 0;
  return dataIn(senseData(reason(), desc), cdbByte(cdb, 4));
}

export function requestSense(ctx: CommandContext<CoreLu>): ScsiResponse {
  const c = core(ctx);
  return answer(c.cmd, () => c.lu.takeUnitAttention(c.cmd.nexus.id) ?? 'NoSense');
}

export function requestSenseUnmapped(cmd: ScsiCommand): ScsiResponse {
  return answer(cmd, () => 'LunNotSupported');
}
