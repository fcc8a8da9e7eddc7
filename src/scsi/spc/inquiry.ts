/**
 * INQUIRY (SPC-4 §6.6): standard data (§6.6.2) and the dispatch to VPD pages (vpd.ts).
 * "If the EVPD bit is set to zero and the PAGE CODE field is not set to zero, the device
 * server shall terminate the command with CHECK CONDITION status, with the sense key set
 * to ILLEGAL REQUEST, and the additional sense code set to INVALID FIELD IN CDB."
 */
import type { CommandContext } from '../command-context.js';
import { core, type CoreLu } from '../core-context.js';
import type { ScsiCommand, ScsiResponse } from '../types.js';
import { asciiField, cdbByte, cdbU16, dataIn, invalidCdb } from './util.js';
import { vpdPage } from './vpd.js';

/** Version descriptors (SPC-4 Table 148): SAM-5, iSCSI, SPC-4, SBC-3. */
const VERSION_DESCRIPTORS = [0x00a0, 0x0960, 0x0460, 0x04c0];
const STD_LENGTH = 74;

/** TPGS (byte 5 bits 5:4, SPC-4 §6.6.2): 00b no ALUA; 01b implicit ALUA only; 11b implicit and explicit (SET TARGET PORT GROUPS). */
export function standardInquiry(lu: CoreLu, multiPort: boolean, tpgs: 0 | 1 | 3 = 1): Buffer {
  const b = Buffer.alloc(STD_LENGTH);
  b[0] = 0x00; // peripheral qualifier 000b, direct access block device
  b[1] = 0x00; // RMB=0
  b[2] = 0x06; // SPC-4
  b[3] = 0x10 | 0x02; // HISUP=1, RESPONSE DATA FORMAT=2
  b[4] = STD_LENGTH - 5;
  b[5] = (tpgs << 4) | 0x08; // TPGS, 3PC=1
  b[6] = multiPort ? 0x10 : 0x00; // MULTIP
  b[7] = 0x02; // CMDQUE
  asciiField(lu.identity.vendor, 8).copy(b, 8);
  asciiField(lu.identity.product, 16).copy(b, 16);
  asciiField(lu.identity.revision, 4).copy(b, 32);
  VERSION_DESCRIPTORS.forEach((d, i) => b.writeUInt16BE(d, 58 + 2 * i));
  return b;
}

/**
 * INQUIRY to a LUN the nexus cannot access (SPC-4 §6.6.2): "peripheral qualifier 011b:
 * the device server is not capable of supporting a peripheral device on this logical
 * unit", device type 1Fh.
 */
export function unmappedInquiry(cmd: ScsiCommand): ScsiResponse {
  const cdb = cmd.cdb;
  if ((cdbByte(cdb, 1) & 0x01) === 0 && cdbByte(cdb, 2) !== 0) return invalidCdb(2);
  const b = Buffer.alloc(36);
  b[0] = 0x7f;
  b[2] = 0x06;
  b[3] = 0x12;
  b[4] = 31;
  if (cdbByte(cdb, 1) & 0x01) {
    const page = cdbByte(cdb, 2);
    if (page !== 0x00) return invalidCdb(2);
    return dataIn(Buffer.from([0x7f, 0x00, 0x00, 0x01, 0x00]), cdbU16(cdb, 3));
  }
  return dataIn(b, cdbU16(cdb, 3));
}

export function inquiry(ctx: CommandContext<CoreLu>): ScsiResponse {
  const c = core(ctx);
  const cdb = c.cmd.cdb;
  const evpd = (cdbByte(cdb, 1) & 0x01) !== 0;
  if (cdbByte(cdb, 1) & 0xfe) return invalidCdb(1, cdbByte(cdb, 1) & 0x02 ? 1 : 7); // CMDDT (obsolete) and reserved bits
  const page = cdbByte(cdb, 2);
  const alloc = cdbU16(cdb, 3);
  if (!evpd) {
    if (page !== 0) return invalidCdb(2);
    return dataIn(standardInquiry(c.lu, c.target.ports.length > 1, c.target.tpgsFor(c.cmd.nexus)), alloc);
  }
  const data = vpdPage(c, page);
  return data ? dataIn(data, alloc) : invalidCdb(2);
}
