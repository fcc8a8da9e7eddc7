/**
 * A SCSI command as the client codec builds it (SAM-5 §5.1 "The Execute Command
 * procedure call"): the CDB, the Data-Out buffer, and the number of Data-In bytes the
 * application client can take (the ALLOCATION LENGTH it asked for). Transports add
 * their own fields (task attribute, timeout) on top of this shape.
 */
export interface CdbRequest {
  cdb: Buffer;
  /** Data-Out for writes (its length is the expected data transfer length). */
  dataOut?: Buffer;
  /** Bytes of Data-In expected (0 or absent for none). */
  dataInLength?: number;
}

/** Operation codes of the commands built here (SPC-4 Annex D.3.1, SBC-4 §5.1 Table 29). */
export const Opcode = {
  TestUnitReady: 0x00,
  Inquiry: 0x12,
  Read10: 0x28,
  Write10: 0x2a,
  Unmap: 0x42,
  PersistentReserveIn: 0x5e,
  PersistentReserveOut: 0x5f,
  Read16: 0x88,
  CompareAndWrite: 0x89,
  Write16: 0x8a,
  SynchronizeCache16: 0x91,
  ServiceActionIn16: 0x9e,
  ReportLuns: 0xa0,
  MaintenanceIn: 0xa3,
  MaintenanceOut: 0xa4,
} as const;

/** Service actions under SERVICE ACTION IN (16) and MAINTENANCE IN/OUT. */
export const ServiceAction = {
  ReadCapacity16: 0x10,
  GetLbaStatus: 0x12,
  TargetPortGroups: 0x0a,
} as const;

/** A zeroed CDB of `length` bytes with its operation code. */
export function cdbOf(length: number, opcode: number): Buffer {
  const b = Buffer.alloc(length);
  b[0] = opcode;
  return b;
}
