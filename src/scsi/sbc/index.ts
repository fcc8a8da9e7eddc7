/** Placeholder: the SBC engineer replaces this with the real SBC-4 opcode rows. */
import type { OpcodeEntry } from '../command-context.js';
export const sbcOpcodes: OpcodeEntry[] = [];
