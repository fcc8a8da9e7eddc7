/**
 * MODE SELECT(6)/(10) (SPC-4 §6.9, §6.10). Parameters that are not changeable must be
 * sent back unchanged: "If the application client sets any field that is reported as
 * not changeable by the device server to a value other than its current value, the
 * device server shall terminate the command with CHECK CONDITION status, with the sense
 * key set to ILLEGAL REQUEST, and the additional sense code set to INVALID FIELD IN
 * PARAMETER LIST" (SPC-4 §7.5.1). A change establishes MODE PARAMETERS CHANGED for the
 * other I_T nexuses (SPC-4 §7.5.1: "... shall establish a unit attention condition ...
 * for the initiator port associated with every I_T nexus except the I_T nexus on which
 * the MODE SELECT command was received").
 *
 * The current values are LU state (lu-state.ts): saved before GOOD, so they survive a
 * controller change; at power on of the whole array they are the defaults again (no
 * saved values: SP=1 is refused with SAVING PARAMETERS NOT SUPPORTED).
 */
import type { CommandContext } from '../command-context.js';
import { core, type CoreLu } from '../core-context.js';
import { checkCondition, GOOD } from '../sense.js';
import type { ScsiResponse } from '../types.js';
import { commitResponse as committed } from '../lu-state.js';
import { decodePage, pageLength, sameModeValues, type ModeValues } from './mode-state.js';
import { cdbByte, cdbU16, invalidCdb, invalidParam } from './util.js';

function modeSelect(ctx: CommandContext<CoreLu>, ten: boolean): ScsiResponse | Promise<ScsiResponse> {
  const c = core(ctx);
  const cdb = c.cmd.cdb;
  const lu = c.lu;
  if (cdbByte(cdb, 1) & 0x01) return checkCondition('SavingParametersNotSupported', { fieldPointer: { cdb: true, byte: 1, bit: 0 } });
  if (cdbByte(cdb, 1) & 0x0e) return invalidCdb(1);
  const len = ten ? cdbU16(cdb, 7) : cdbByte(cdb, 4);
  if (len === 0) return GOOD;
  const data = c.cmd.dataOut ?? Buffer.alloc(0);
  const hdrLen = ten ? 8 : 4;
  if (len < hdrLen || data.length < len) return checkCondition('ParameterListLengthError');
  const p = data.subarray(0, len);
  const bdLen = ten ? p.readUInt16BE(6) : p[3]!;
  if (hdrLen + bdLen > len) return checkCondition('ParameterListLengthError');
  if (bdLen > 0) {
    const long = ten && (p[4]! & 0x01) !== 0;
    const size = long ? 16 : 8;
    if (bdLen % size !== 0) return invalidParam(ten ? 6 : 3);
    const blockLen = long ? p.readUInt32BE(hdrLen + 12) : p.readUIntBE(hdrLen + 5, 3);
    if (blockLen !== lu.blockSize) return invalidParam(hdrLen + (long ? 12 : 5));
  }
  const pages = p.subarray(hdrLen + bdLen);
  return lu.exclusive(async () => {
    const values = decodePages(pages, hdrLen + bdLen, lu.mode.values);
    if ('status' in values) return values;
    const changed = !sameModeValues(values, lu.mode.values);
    const r = committed(await lu.commitMode(values));
    if (changed && r.status === GOOD.status) lu.raiseUnitAttention('UaModeParametersChanged', c.cmd.nexus.id);
    return r;
  });
}

/** The mode pages of a parameter list (`base`: their offset in it, for field pointers) applied to `cur`. */
function decodePages(p: Buffer, base: number, cur: Readonly<ModeValues>): ModeValues | ScsiResponse {
  let values: ModeValues = { ...cur };
  let off = 0;
  const len = p.length;
  while (off < len) {
    if (off + 2 > len) return checkCondition('ParameterListLengthError');
    const code = p[off]! & 0x3f;
    if (p[off]! & 0x40) return invalidParam(base + off, 6); // SPF: we have no subpages
    const want = pageLength(code);
    if (want === undefined) return invalidParam(base + off);
    if (p[off + 1]! !== want - 2) return invalidParam(base + off + 1);
    if (off + want > len) return checkCondition('ParameterListLengthError');
    const r = decodePage(code, p.subarray(off, off + want), values);
    if ('badByte' in r) return invalidParam(base + off + r.badByte);
    values = r.values;
    off += want;
  }
  return values;
}

export const modeSelect6 = (ctx: CommandContext<CoreLu>): ScsiResponse | Promise<ScsiResponse> => modeSelect(ctx, false);
export const modeSelect10 = (ctx: CommandContext<CoreLu>): ScsiResponse | Promise<ScsiResponse> => modeSelect(ctx, true);
