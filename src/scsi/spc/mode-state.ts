/**
 * Mode parameters of a logical unit (SPC-4 §7.5 "Mode parameters", SBC-4 §6.5): the
 * current values and what MODE SELECT may change. Saved values are not implemented
 * (PS=0 in every page; SP=1 / PC=11b are refused with SAVING PARAMETERS NOT SUPPORTED),
 * so the current values are the defaults at power on; in between they are LU state
 * (lu-state.ts), kept across controller changes.
 *
 * Pages: 01h read-write error recovery (fixed), 08h caching (WCE changeable, RCD=0),
 * 0Ah control (SWP changeable: software write protect, SBC-4 §4.11; fixed-format sense,
 * so D_SENSE=0; TAS=0 because other nexuses' aborted commands are reported with a unit
 * attention, QERR=00b), 1Ch informational exceptions (DEXCPT and MRIE changeable; we
 * never report informational exceptions).
 */
export const PageControl = { Current: 0, Changeable: 1, Default: 2, Saved: 3 } as const;
export type PageControlValue = (typeof PageControl)[keyof typeof PageControl];

export interface ModeValues {
  wce: boolean;
  swp: boolean;
  dexcpt: boolean;
  mrie: number;
}

export const DEFAULT_MODE: Readonly<ModeValues> = Object.freeze({ wce: true, swp: false, dexcpt: true, mrie: 0 });

/** Page codes in ascending order (3Fh returns them in this order). */
export const MODE_PAGE_CODES = [0x01, 0x08, 0x0a, 0x1c] as const;

export function sameModeValues(a: Readonly<ModeValues>, b: Readonly<ModeValues>): boolean {
  return a.wce === b.wce && a.swp === b.swp && a.dexcpt === b.dexcpt && a.mrie === b.mrie;
}

/** The current values as the LU's state has them (logical-unit.ts applies its LU state here). */
export class ModeState {
  private cur: ModeValues = { ...DEFAULT_MODE };

  get values(): Readonly<ModeValues> {
    return this.cur;
  }

  reset(): void {
    this.cur = { ...DEFAULT_MODE };
  }

  /** Apply new values; true when something changed. */
  apply(v: Readonly<ModeValues>): boolean {
    const changed = !sameModeValues(v, this.cur);
    this.cur = { ...v };
    return changed;
  }
}

function pageFor(code: number, v: ModeValues | 'changeable'): Buffer {
  const ch = v === 'changeable';
  switch (code) {
    case 0x01: {
      // Read-write error recovery (SBC-4 §6.5.8): AWRE=1, ARRE=1, nothing changeable.
      const b = Buffer.alloc(12);
      b[0] = 0x01;
      b[1] = 0x0a;
      if (!ch) b[2] = 0xc0;
      return b;
    }
    case 0x08: {
      const b = Buffer.alloc(20);
      b[0] = 0x08;
      b[1] = 0x12;
      if (ch) b[2] = 0x04;
      else b[2] = v.wce ? 0x04 : 0x00;
      return b;
    }
    case 0x0a: {
      const b = Buffer.alloc(12);
      b[0] = 0x0a;
      b[1] = 0x0a;
      if (ch) {
        b[4] = 0x08; // SWP
      } else {
        b[3] = 0x10; // QUEUE ALGORITHM MODIFIER 1h: unrestricted reordering allowed
        b[4] = v.swp ? 0x08 : 0x00;
        b.writeUInt16BE(0xffff, 8); // BUSY TIMEOUT PERIOD: unlimited
      }
      return b;
    }
    case 0x1c: {
      const b = Buffer.alloc(12);
      b[0] = 0x1c;
      b[1] = 0x0a;
      if (ch) {
        b[2] = 0x08;
        b[3] = 0x0f;
      } else {
        b[2] = v.dexcpt ? 0x08 : 0x00;
        b[3] = v.mrie & 0x0f;
      }
      return b;
    }
    default:
      throw new RangeError(`no mode page ${code}`);
  }
}

export function encodePage(code: number, pc: PageControlValue, cur: ModeValues): Buffer {
  if (pc === PageControl.Changeable) return pageFor(code, 'changeable');
  return pageFor(code, pc === PageControl.Default ? { ...DEFAULT_MODE } : cur);
}

export function pageLength(code: number): number | undefined {
  return (MODE_PAGE_CODES as readonly number[]).includes(code) ? pageFor(code, 'changeable').length : undefined;
}

/**
 * Decode a page from MODE SELECT into new values, or the byte offset (within the page)
 * of the first field that differs from the current value where it is not changeable.
 */
export function decodePage(code: number, page: Buffer, cur: ModeValues): { values: ModeValues } | { badByte: number } {
  const mask = pageFor(code, 'changeable');
  const now = pageFor(code, cur);
  for (let i = 2; i < mask.length; i++) {
    if ((page[i]! & ~mask[i]!) !== (now[i]! & ~mask[i]!)) return { badByte: i };
  }
  const v: ModeValues = { ...cur };
  if (code === 0x08) v.wce = (page[2]! & 0x04) !== 0;
  if (code === 0x0a) v.swp = (page[4]! & 0x08) !== 0;
  if (code === 0x1c) {
    v.dexcpt = (page[2]! & 0x08) !== 0;
    v.mrie = page[3]! & 0x0f;
    if (v.mrie > 6) return { badByte: 3 };
  }
  return { values: v };
}
