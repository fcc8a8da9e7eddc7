/**
 * SCSI status codes (SAM-5 §5.3.1 Table 28), shared by the target that returns them and
 * the clients that act on them. GOOD and CONDITION MET mean the command completed.
 */
export const ScsiStatus = {
  Good: 0x00,
  CheckCondition: 0x02,
  ConditionMet: 0x04,
  Busy: 0x08,
  ReservationConflict: 0x18,
  TaskSetFull: 0x28,
  AcaActive: 0x30,
  TaskAborted: 0x40,
} as const;
