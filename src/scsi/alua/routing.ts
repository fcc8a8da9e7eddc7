/**
 * Which commands an AccessRouter decides about (src/scsi/access-router.ts). Commands
 * that only describe the device server or the access paths — INQUIRY, REPORT LUNS,
 * REQUEST SENSE, and the MAINTENANCE IN/OUT family (REPORT/SET TARGET PORT GROUPS,
 * REPORT SUPPORTED OPERATION CODES / TASK MANAGEMENT FUNCTIONS) — are answered by the
 * controller that received them; everything else touches the medium or LU state (PR,
 * mode parameters, reservations, TEST UNIT READY readiness) and goes through route().
 */
const LOCAL_OPCODES: ReadonlySet<number> = new Set([0x03, 0x12, 0xa0, 0xa3, 0xa4]);

export function isRoutable(entry: { readonly opcode: number }): boolean {
  return !LOCAL_OPCODES.has(entry.opcode);
}
