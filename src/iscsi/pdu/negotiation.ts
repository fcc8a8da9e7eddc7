/**
 * Operational text-key negotiation, RFC 7143 §6.2 ("Text Mode Negotiation"), §6.2.1
 * ("List Negotiations"), §6.2.2 ("Simple-Value Negotiations"), key table §13.
 *
 * Rules enforced here (RFC 7143, paraphrased unless quoted):
 *  - list keys: "the responding party MUST respond with the same key and the first value
 *    that it supports ... selected from the originator list" (§6.2.1); none → "Reject".
 *  - numerical keys use the key's result function (Minimum / Maximum); booleans use AND
 *    or OR (§6.2.2). An offer outside the key's range or with bad syntax is answered
 *    with the constant "Reject" (§6.2).
 *  - "the answer for a key not understood MUST be key=NotUnderstood" (§6.2).
 *  - "Irrelevant" for keys that do not apply: §13 "Irrelevant when: SessionType=Discovery",
 *    and FirstBurstLength "Irrelevant when: ( InitialR2T=Yes and ImmediateData=No )".
 *  - a parameter declared or negotiated more than once during login MUST be detected and,
 *    by a target, answered with a Login reject (initiator error) (§6.2) → `error`.
 *  - LO (leading-only) keys on a non-leading connection → `error` (§13 "Use: LO").
 *  - obsolete marker keys (§13.25): IFMarker/OFMarker answered "No" (the RFC prefers
 *    "Reject" but allows "No", which every initiator we know accepts); IFMarkInt and
 *    OFMarkInt answered "Reject".
 * Pure functions over a NegotiationState that the login state machine keeps per login.
 */

export type Digest = 'None' | 'CRC32C';

export interface NegotiatedParams {
  headerDigest: Digest;
  dataDigest: Digest;
  maxConnections: number;
  initialR2T: boolean;
  immediateData: boolean;
  maxBurstLength: number;
  firstBurstLength: number;
  defaultTime2Wait: number;
  defaultTime2Retain: number;
  maxOutstandingR2T: number;
  dataPDUInOrder: boolean;
  dataSequenceInOrder: boolean;
  errorRecoveryLevel: number;
  /** MaxRecvDataSegmentLength the PEER declared: the most we may send in one PDU (default 8192). */
  peerMaxRecvDataSegmentLength: number;
  /** MaxRecvDataSegmentLength WE declared: the most we accept (default 8192 until declared). */
  ourMaxRecvDataSegmentLength: number;
}

/** RFC 7143 §13 defaults. */
export function defaultParams(): NegotiatedParams {
  return {
    headerDigest: 'None',
    dataDigest: 'None',
    maxConnections: 1,
    initialR2T: true,
    immediateData: true,
    maxBurstLength: 262144,
    firstBurstLength: 65536,
    defaultTime2Wait: 2,
    defaultTime2Retain: 20,
    maxOutstandingR2T: 1,
    dataPDUInOrder: true,
    dataSequenceInOrder: true,
    errorRecoveryLevel: 0,
    peerMaxRecvDataSegmentLength: 8192,
    ourMaxRecvDataSegmentLength: 8192,
  };
}

export interface TargetLimits {
  headerDigest: Digest[];
  dataDigest: Digest[];
  maxRecvDataSegmentLength: number;
  maxBurstLength: number;
  firstBurstLength: number;
  maxOutstandingR2T: number;
  maxConnections: number;
  initialR2T: boolean;
  immediateData: boolean;
  errorRecoveryLevel: number;
  defaultTime2Wait: number;
  defaultTime2Retain: number;
  dataPDUInOrder: boolean;
  dataSequenceInOrder: boolean;
}

export function defaultTargetLimits(): TargetLimits {
  return {
    headerDigest: ['None', 'CRC32C'],
    dataDigest: ['None', 'CRC32C'],
    maxRecvDataSegmentLength: 262144,
    maxBurstLength: 1048576,
    firstBurstLength: 262144,
    maxOutstandingR2T: 1,
    maxConnections: 1,
    initialR2T: false,
    immediateData: true,
    errorRecoveryLevel: 0,
    defaultTime2Wait: 2,
    defaultTime2Retain: 20,
    dataPDUInOrder: true,
    dataSequenceInOrder: true,
  };
}

export interface NegotiationState {
  params: NegotiatedParams;
  /** Keys already offered/declared by the peer during this login (duplicate detection). */
  answered: Set<string>;
  /** Whether we have declared our MaxRecvDataSegmentLength on this connection. */
  declaredMaxRecv: boolean;
}

export function newNegotiationState(): NegotiationState {
  return { params: defaultParams(), answered: new Set(), declaredMaxRecv: false };
}

type NumField = 'maxConnections' | 'maxBurstLength' | 'firstBurstLength' | 'defaultTime2Wait' |
  'defaultTime2Retain' | 'maxOutstandingR2T' | 'errorRecoveryLevel';
type BoolField = 'initialR2T' | 'immediateData' | 'dataPDUInOrder' | 'dataSequenceInOrder';

type KeySpec =
  | { t: 'num'; field: NumField; fn: 'min' | 'max'; lo: number; hi: number; leadingOnly: true; discoveryIrrelevant: boolean }
  | { t: 'bool'; field: BoolField; fn: 'and' | 'or'; leadingOnly: true; discoveryIrrelevant: boolean }
  | { t: 'digest'; field: 'headerDigest' | 'dataDigest' }
  | { t: 'mrdsl' }
  | { t: 'marker' }
  | { t: 'markint' }
  | { t: 'taskReporting' }
  | { t: 'protocolLevel' };

const U24 = 16777215;
const KEYS: Readonly<Record<string, KeySpec>> = {
  HeaderDigest: { t: 'digest', field: 'headerDigest' }, // §13.1
  DataDigest: { t: 'digest', field: 'dataDigest' }, // §13.1
  MaxConnections: { t: 'num', field: 'maxConnections', fn: 'min', lo: 1, hi: 65535, leadingOnly: true, discoveryIrrelevant: true }, // §13.2
  InitialR2T: { t: 'bool', field: 'initialR2T', fn: 'or', leadingOnly: true, discoveryIrrelevant: true }, // §13.10
  ImmediateData: { t: 'bool', field: 'immediateData', fn: 'and', leadingOnly: true, discoveryIrrelevant: true }, // §13.11
  MaxRecvDataSegmentLength: { t: 'mrdsl' }, // §13.12
  MaxBurstLength: { t: 'num', field: 'maxBurstLength', fn: 'min', lo: 512, hi: U24, leadingOnly: true, discoveryIrrelevant: true }, // §13.13
  FirstBurstLength: { t: 'num', field: 'firstBurstLength', fn: 'min', lo: 512, hi: U24, leadingOnly: true, discoveryIrrelevant: true }, // §13.14
  DefaultTime2Wait: { t: 'num', field: 'defaultTime2Wait', fn: 'max', lo: 0, hi: 3600, leadingOnly: true, discoveryIrrelevant: false }, // §13.15
  DefaultTime2Retain: { t: 'num', field: 'defaultTime2Retain', fn: 'min', lo: 0, hi: 3600, leadingOnly: true, discoveryIrrelevant: false }, // §13.16
  MaxOutstandingR2T: { t: 'num', field: 'maxOutstandingR2T', fn: 'min', lo: 1, hi: 65535, leadingOnly: true, discoveryIrrelevant: true }, // §13.17
  DataPDUInOrder: { t: 'bool', field: 'dataPDUInOrder', fn: 'or', leadingOnly: true, discoveryIrrelevant: true }, // §13.18
  DataSequenceInOrder: { t: 'bool', field: 'dataSequenceInOrder', fn: 'or', leadingOnly: true, discoveryIrrelevant: true }, // §13.19
  ErrorRecoveryLevel: { t: 'num', field: 'errorRecoveryLevel', fn: 'min', lo: 0, hi: 2, leadingOnly: true, discoveryIrrelevant: false }, // §13.20
  IFMarker: { t: 'marker' }, // §13.25 (obsolete)
  OFMarker: { t: 'marker' },
  IFMarkInt: { t: 'markint' },
  OFMarkInt: { t: 'markint' },
  TaskReporting: { t: 'taskReporting' }, // §13.23
  iSCSIProtocolLevel: { t: 'protocolLevel' }, // §13.24 (RFC 7144)
};

/** Login-level keys the login state machine owns; ignored here if passed by mistake. */
const LOGIN_KEYS = new Set(['InitiatorName', 'TargetName', 'SessionType', 'InitiatorAlias', 'AuthMethod']);
/** Keys declared only by the target: an initiator sending them gets "Reject". */
const TARGET_ONLY = new Set(['TargetAlias', 'TargetAddress', 'TargetPortalGroupTag']);
/** Our iSCSIProtocolLevel: RFC 7143 (RFC 7144 §2.1). */
const PROTOCOL_LEVEL = 1;

/** numerical-value, RFC 7143 §5.1: decimal or 0x-hex constant. NaN when malformed. */
export function parseNumber(s: string): number {
  if (/^[0-9]{1,16}$/.test(s)) return Number(s);
  if (/^0[xX][0-9a-fA-F]{1,16}$/.test(s)) return Number.parseInt(s.slice(2), 16);
  return Number.NaN;
}

function parseBool(s: string): boolean | undefined {
  return s === 'Yes' ? true : s === 'No' ? false : undefined;
}
const yn = (b: boolean): string => (b ? 'Yes' : 'No');

export function negotiateAsTarget(
  state: NegotiationState,
  offers: Array<[string, string]>,
  limits: TargetLimits,
  ctx: { sessionType: 'Normal' | 'Discovery'; leading: boolean },
): { replies: Array<[string, string]>; error?: string } {
  const replies: Array<[string, string]> = [];
  const p = state.params;
  const discovery = ctx.sessionType === 'Discovery';
  let firstBurstIdx = -1;
  for (const [key, value] of offers) {
    if (LOGIN_KEYS.has(key) || key.startsWith('CHAP_')) continue;
    if (state.answered.has(key)) {
      return { replies, error: `key ${key} negotiated more than once (RFC 7143 §6.2)` };
    }
    state.answered.add(key);
    if (TARGET_ONLY.has(key)) {
      replies.push([key, 'Reject']);
      continue;
    }
    const spec = KEYS[key];
    if (spec === undefined) {
      replies.push([key, 'NotUnderstood']);
      continue;
    }
    switch (spec.t) {
      case 'digest': {
        const acceptable = spec.field === 'headerDigest' ? limits.headerDigest : limits.dataDigest;
        const pick = value.split(',').find((v): v is Digest => (v === 'None' || v === 'CRC32C') && acceptable.includes(v));
        if (pick === undefined) replies.push([key, 'Reject']);
        else {
          p[spec.field] = pick;
          replies.push([key, pick]);
        }
        break;
      }
      case 'mrdsl': {
        // declarative (§13.12): nothing to answer; a value outside 512..2^24-1 is an
        // initiator error (a "Reject" would collide with our own declaration of the key)
        const n = parseNumber(value);
        if (!(n >= 512 && n <= U24)) return { replies, error: `invalid ${key}=${value}` };
        p.peerMaxRecvDataSegmentLength = n;
        break;
      }
      case 'num': {
        if (!ctx.leading) return { replies, error: `leading-only key ${key} on a non-leading connection` };
        if (discovery && spec.discoveryIrrelevant) {
          replies.push([key, 'Irrelevant']);
          break;
        }
        const n = parseNumber(value);
        if (!(n >= spec.lo && n <= spec.hi)) {
          replies.push([key, 'Reject']);
          break;
        }
        const ours = limits[spec.field];
        const r = spec.fn === 'min' ? Math.min(n, ours) : Math.max(n, ours);
        p[spec.field] = r;
        if (key === 'FirstBurstLength') firstBurstIdx = replies.length;
        replies.push([key, String(r)]);
        break;
      }
      case 'bool': {
        if (!ctx.leading) return { replies, error: `leading-only key ${key} on a non-leading connection` };
        if (discovery && spec.discoveryIrrelevant) {
          replies.push([key, 'Irrelevant']);
          break;
        }
        const b = parseBool(value);
        if (b === undefined) {
          replies.push([key, 'Reject']);
          break;
        }
        const r = spec.fn === 'and' ? b && limits[spec.field] : b || limits[spec.field];
        p[spec.field] = r;
        replies.push([key, yn(r)]);
        break;
      }
      case 'marker':
        replies.push([key, 'No']);
        break;
      case 'markint':
        replies.push([key, 'Reject']);
        break;
      case 'taskReporting': {
        if (!ctx.leading) return { replies, error: `leading-only key ${key} on a non-leading connection` };
        replies.push([key, value.split(',').includes('RFC3720') ? 'RFC3720' : 'Reject']);
        break;
      }
      case 'protocolLevel': {
        const n = parseNumber(value);
        replies.push([key, n >= 0 && n <= 31 ? String(Math.min(n, PROTOCOL_LEVEL)) : 'Reject']);
        break;
      }
    }
  }
  // §13.14: "FirstBurstLength MUST NOT exceed MaxBurstLength."
  if (p.firstBurstLength > p.maxBurstLength) {
    p.firstBurstLength = p.maxBurstLength;
    if (firstBurstIdx >= 0) replies[firstBurstIdx] = ['FirstBurstLength', String(p.firstBurstLength)];
  }
  // §13.14: "Irrelevant when: ( InitialR2T=Yes and ImmediateData=No )".
  if (firstBurstIdx >= 0 && p.initialR2T && !p.immediateData) replies[firstBurstIdx] = ['FirstBurstLength', 'Irrelevant'];
  if (!state.declaredMaxRecv) {
    state.declaredMaxRecv = true;
    p.ourMaxRecvDataSegmentLength = limits.maxRecvDataSegmentLength;
    replies.push(['MaxRecvDataSegmentLength', String(limits.maxRecvDataSegmentLength)]);
  }
  return { replies };
}

/** Initiator side: our operational offers (RFC defaults for anything not in prefs). */
export function initiatorOffers(
  prefs: Partial<TargetLimits> & { sessionType: 'Normal' | 'Discovery' },
): Array<[string, string]> {
  const d = defaultParams();
  const out: Array<[string, string]> = [
    ['HeaderDigest', (prefs.headerDigest ?? ['None']).join(',')],
    ['DataDigest', (prefs.dataDigest ?? ['None']).join(',')],
  ];
  if (prefs.sessionType === 'Normal') {
    out.push(
      ['MaxConnections', String(prefs.maxConnections ?? d.maxConnections)],
      ['InitialR2T', yn(prefs.initialR2T ?? d.initialR2T)],
      ['ImmediateData', yn(prefs.immediateData ?? d.immediateData)],
      ['MaxBurstLength', String(prefs.maxBurstLength ?? d.maxBurstLength)],
      ['FirstBurstLength', String(prefs.firstBurstLength ?? d.firstBurstLength)],
      ['DefaultTime2Wait', String(prefs.defaultTime2Wait ?? d.defaultTime2Wait)],
      ['DefaultTime2Retain', String(prefs.defaultTime2Retain ?? d.defaultTime2Retain)],
      ['MaxOutstandingR2T', String(prefs.maxOutstandingR2T ?? d.maxOutstandingR2T)],
      ['DataPDUInOrder', yn(prefs.dataPDUInOrder ?? d.dataPDUInOrder)],
      ['DataSequenceInOrder', yn(prefs.dataSequenceInOrder ?? d.dataSequenceInOrder)],
      ['ErrorRecoveryLevel', String(prefs.errorRecoveryLevel ?? d.errorRecoveryLevel)],
    );
  }
  out.push(['MaxRecvDataSegmentLength', String(prefs.maxRecvDataSegmentLength ?? d.ourMaxRecvDataSegmentLength)]);
  return out;
}

/**
 * Initiator side: apply the target's answers. "Reject", "Irrelevant" and "NotUnderstood"
 * leave the current value; an out-of-range or malformed answer is an error.
 * Keys the target offers on its own initiative are not answered here (not supported yet).
 */
export function applyTargetReplies(state: NegotiationState, replies: Array<[string, string]>): { error?: string } {
  const p = state.params;
  for (const [key, value] of replies) {
    if (value === 'Reject' || value === 'Irrelevant' || value === 'NotUnderstood') continue;
    const spec = KEYS[key];
    if (spec === undefined) continue;
    switch (spec.t) {
      case 'digest':
        if (value !== 'None' && value !== 'CRC32C') return { error: `target answered ${key}=${value}` };
        p[spec.field] = value;
        break;
      case 'mrdsl': {
        const n = parseNumber(value);
        if (!(n >= 512 && n <= U24)) return { error: `target declared ${key}=${value}` };
        p.peerMaxRecvDataSegmentLength = n;
        break;
      }
      case 'num': {
        const n = parseNumber(value);
        if (!(n >= spec.lo && n <= spec.hi)) return { error: `target answered ${key}=${value}` };
        p[spec.field] = n;
        break;
      }
      case 'bool': {
        const b = parseBool(value);
        if (b === undefined) return { error: `target answered ${key}=${value}` };
        p[spec.field] = b;
        break;
      }
      default:
        break;
    }
  }
  if (p.firstBurstLength > p.maxBurstLength) p.firstBurstLength = p.maxBurstLength;
  return {};
}
