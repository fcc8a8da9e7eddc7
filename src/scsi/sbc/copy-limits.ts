/**
 * What our EXTENDED COPY (LID1) copy manager supports, as RECEIVE COPY RESULTS
 * OPERATING PARAMETERS (SPC-4 §6.18.4) and the Third-party Copy VPD page report it.
 * Derived from LIMITS so that one number changes both what we say and what we do.
 */
import { LIMITS } from '../limits.js';

export const TARGET_DESCRIPTOR_LENGTH = 32;
/** Block → block (02h) is 28 bytes; block → block with byte offsets (0Ah) is 32. */
export const SEGMENT_B2B_LENGTH = 28;
export const SEGMENT_B2B_OFFSET_LENGTH = 32;

export const XCOPY_LIMITS = {
  maxTargetDescriptors: LIMITS.maxCopyTargetDescriptors,
  maxSegmentDescriptors: LIMITS.maxCopySegmentDescriptors,
  /** MAXIMUM DESCRIPTOR LIST LENGTH: room for the maximum of both kinds. */
  maxDescriptorListLength:
    LIMITS.maxCopyTargetDescriptors * TARGET_DESCRIPTOR_LENGTH + LIMITS.maxCopySegmentDescriptors * SEGMENT_B2B_OFFSET_LENGTH,
  /** MAXIMUM SEGMENT LENGTH, bytes. */
  maxSegmentBytes: LIMITS.maxCopySegmentBytes,
  maxInlineData: 0,
  maxConcurrentCopies: 16,
  /** Completed copy statuses retained per I_T nexus (oldest dropped first). */
  retainedStatuses: 32,
  /** Descriptor type codes implemented: block→block, block→block with offsets, identification CSCD. */
  implementedDescriptorTypes: [0x02, 0x0a, 0xe4] as readonly number[],
  /** Bytes moved per device read/write while copying. */
  chunkBytes: 4 * 1024 * 1024,
} as const;
