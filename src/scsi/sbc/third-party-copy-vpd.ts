/**
 * Third-party Copy VPD page (8Fh) body — SPC-4 §7.8.17: what the SPC VPD code should
 * serve so initiators (libiscsi ReceiveCopyResults CopyStatus) discover our LID1 copy
 * manager. Holds one SUPPORTED COMMANDS third-party copy descriptor (type 0001h, §7.8.17.3):
 * EXTENDED COPY (83h) SA 00h and RECEIVE COPY RESULTS (84h) SAs 00h and 03h.
 * Returns the bytes after the 4-byte VPD header (descriptor type, length, list, padded to
 * a multiple of 4 bytes).
 */
const SUPPORTED = [
  { opcode: 0x83, serviceActions: [0x00] },
  { opcode: 0x84, serviceActions: [0x00, 0x03] },
] as const;

export function thirdPartyCopyVpdPayload(): Buffer {
  const list = Buffer.concat(SUPPORTED.map((c) => Buffer.from([c.opcode, c.serviceActions.length, ...c.serviceActions])));
  const body = 1 + list.length; // COMMANDS SUPPORTED LIST LENGTH byte + list
  const padded = Math.ceil(body / 4) * 4;
  const d = Buffer.alloc(4 + padded);
  d.writeUInt16BE(0x0001, 0); // THIRD-PARTY COPY DESCRIPTOR TYPE: supported commands
  d.writeUInt16BE(padded, 2); // THIRD-PARTY COPY DESCRIPTOR LENGTH
  d[4] = list.length;
  list.copy(d, 5);
  return d;
}
