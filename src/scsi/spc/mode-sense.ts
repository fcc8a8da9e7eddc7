/**
 * MODE SENSE(6)/(10) (SPC-4 §6.11, §6.12) over ModeState. Header and block descriptor
 * per SPC-4 §7.5.4–§7.5.5 and SBC-4 §6.5.2 (DEVICE-SPECIFIC PARAMETER: WP bit 7,
 * DPOFUA bit 4). PC=11b (saved values): "If the logical unit does not implement saved
 * values ... CHECK CONDITION ... SAVING PARAMETERS NOT SUPPORTED" (SPC-4 §6.11.3).
 */
import type { CommandContext } from '../command-context.js';
import { core, type CoreLu } from '../core-context.js';
import { checkCondition } from '../sense.js';
import type { ScsiResponse } from '../types.js';
import { encodePage, MODE_PAGE_CODES, PageControl, type PageControlValue } from './mode-state.js';
import { cdbByte, cdbU16, dataIn, invalidCdb } from './util.js';

export function blockDescriptor(lu: CoreLu, long: boolean): Buffer {
  if (long) {
    const b = Buffer.alloc(16);
    b.writeBigUInt64BE(BigInt(lu.blockCount), 0);
    b.writeUInt32BE(lu.blockSize, 12);
    return b;
  }
  const b = Buffer.alloc(8);
  b.writeUInt32BE(lu.blockCount > 0xffffffff ? 0xffffffff : lu.blockCount, 0);
  b.writeUIntBE(lu.blockSize, 5, 3);
  return b;
}

function pages(lu: CoreLu, code: number, sub: number, pc: PageControlValue): Buffer | 'bad-page' | 'bad-subpage' {
  const cur = lu.mode.values;
  if (code === 0x3f) {
    if (sub !== 0x00 && sub !== 0xff) return 'bad-subpage';
    return Buffer.concat(MODE_PAGE_CODES.map((p) => encodePage(p, pc, cur)));
  }
  if (!(MODE_PAGE_CODES as readonly number[]).includes(code)) return 'bad-page';
  if (sub !== 0x00 && sub !== 0xff) return 'bad-subpage';
  return encodePage(code, pc, cur);
}

function modeSense(ctx: CommandContext<CoreLu>, ten: boolean): ScsiResponse {
  const c = core(ctx);
  const cdb = c.cmd.cdb;
  const lu = c.lu;
  const dbd = (cdbByte(cdb, 1) & 0x08) !== 0;
  const llbaa = ten && (cdbByte(cdb, 1) & 0x10) !== 0;
  const pc = (cdbByte(cdb, 2) >> 6) as PageControlValue;
  const code = cdbByte(cdb, 2) & 0x3f;
  const sub = cdbByte(cdb, 3);
  const alloc = ten ? cdbU16(cdb, 7) : cdbByte(cdb, 4);
  if (pc === PageControl.Saved) return checkCondition('SavingParametersNotSupported', { fieldPointer: { cdb: true, byte: 2, bit: 7 } });
  const body = pages(lu, code, sub, pc);
  if (body === 'bad-page') return invalidCdb(2, 5);
  if (body === 'bad-subpage') return invalidCdb(3);
  const bd = dbd ? Buffer.alloc(0) : blockDescriptor(lu, llbaa);
  const devSpecific = (lu.writeProtected ? 0x80 : 0) | 0x10;
  let header: Buffer;
  if (ten) {
    header = Buffer.alloc(8);
    header.writeUInt16BE(6 + bd.length + body.length, 0);
    header[3] = devSpecific;
    header[4] = llbaa && !dbd ? 0x01 : 0x00;
    header.writeUInt16BE(bd.length, 6);
  } else {
    header = Buffer.alloc(4);
    header[0] = Math.min(255, 3 + bd.length + body.length);
    header[2] = devSpecific;
    header[3] = bd.length;
  }
  return dataIn(Buffer.concat([header, bd, body]), alloc);
}

export const modeSense6 = (ctx: CommandContext<CoreLu>): ScsiResponse => modeSense(ctx, false);
export const modeSense10 = (ctx: CommandContext<CoreLu>): ScsiResponse => modeSense(ctx, true);
