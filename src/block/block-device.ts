/**
 * The BlockDevice contract: what the SCSI core needs from storage. Offsets and
 * lengths are in bytes and always multiples of `blockSize` (callers guarantee it);
 * implementations reject anything else with a RangeError (a bug, not a user error).
 *
 * Durability contract (the array acknowledges a write only when this holds):
 *  - write() resolves only after the data would survive a SIGKILL of this process
 *    (it is in the kernel: pwrite done). With `fua` it resolves only after it is on
 *    stable storage (pwrite + fdatasync).
 *  - flush() resolves after every write that resolved before the call is on stable
 *    storage (fdatasync).
 *  - discard() frees the space (punches a hole in a file); the range reads back as zeros.
 */
export interface BlockDevice {
  /** Logical block size in bytes: 512 or 4096. */
  readonly blockSize: number;
  /** Capacity in bytes (a multiple of blockSize). */
  readonly sizeBytes: number;
  /** True when the device allocates space on write and can free it (thin). */
  readonly thin: boolean;
  read(offset: number, length: number): Promise<Buffer>;
  /**
   * Optional: like read(), but the buffer may come from a pool the device reuses. The
   * caller calls release() at most once, when nothing reads the buffer any more; a lease
   * never released is simply garbage collected. Saves an allocation per large read.
   */
  readLeased?(offset: number, length: number): Promise<ReadLease>;
  write(offset: number, data: Buffer, opts?: { fua?: boolean }): Promise<void>;
  flush(): Promise<void>;
  /** Free the range; it reads back as zeros afterwards. */
  discard(offset: number, length: number): Promise<void>;
  /**
   * Allocation map of [offset, offset+length): consecutive extents covering the range
   * exactly, each either mapped (allocated) or deallocated (a hole that reads zeros).
   */
  allocationStatus(offset: number, length: number): Promise<AllocationExtent[]>;
  /**
   * Bytes of storage the device really uses, cheaply (a file's allocated blocks from
   * fstat), for capacity reporting. Optional: without it, callers sum allocationStatus().
   */
  allocatedBytes?(): Promise<number>;
  /** Grow or shrink to newSizeBytes (a multiple of blockSize). */
  resize(newSizeBytes: number): Promise<void>;
  close(): Promise<void>;
}

/** A read result whose buffer goes back to the device's pool on release(). */
export interface ReadLease {
  data: Buffer;
  release: () => void;
}

export interface AllocationExtent {
  offset: number;
  length: number;
  mapped: boolean;
}
