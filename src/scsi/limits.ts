/**
 * Limits the array advertises in the Block Limits VPD page (SBC-4 §6.6.4) and enforces
 * in the SBC handlers. One place, so that what we advertise is what we do.
 */
export const LIMITS = {
  /** Largest single transfer, bytes (MAXIMUM TRANSFER LENGTH = this / block size). */
  maxTransferBytes: 16 * 1024 * 1024,
  /** OPTIMAL TRANSFER LENGTH, bytes. */
  optimalTransferBytes: 1024 * 1024,
  /** MAXIMUM COMPARE AND WRITE LENGTH, blocks (SBC-4 §5.3: NUMBER OF LOGICAL BLOCKS is one byte). */
  maxCompareAndWriteBlocks: 255,
  /** MAXIMUM UNMAP LBA COUNT, blocks (libiscsi's conformance suite refuses values above 1 Mi). */
  maxUnmapLbaCount: 1024 * 1024,
  /** MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT. */
  maxUnmapDescriptors: 256,
  /** OPTIMAL UNMAP GRANULARITY, bytes (converted to blocks per block size). */
  unmapGranularityBytes: 4096,
  /**
   * MAXIMUM WRITE SAME LENGTH, blocks. Kept below 65536: libiscsi's WriteSame16 Unmap test
   * writes and reads 65536 blocks with plain WRITE(16)/READ(16) whenever this limit allows
   * a 65536-block WRITE SAME, which would exceed MAXIMUM TRANSFER LENGTH above.
   */
  maxWriteSameBlocks: 65535,
  /** Max outstanding EXTENDED COPY operations / descriptors (SPC-4 §6.4 RECEIVE COPY RESULTS operating parameters). */
  maxCopyTargetDescriptors: 8,
  maxCopySegmentDescriptors: 64,
  maxCopySegmentBytes: 16 * 1024 * 1024,
} as const;
