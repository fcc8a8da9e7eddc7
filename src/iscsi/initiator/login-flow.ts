/**
 * The initiator's login state machine, RFC 7143 §6 ("Login and Full Feature Phase
 * Negotiation"), §11.12/§11.13 (Login Request/Response), §12.1.3 (CHAP).
 * Pure: it consumes decoded Login Responses and yields the stage flags and text of the
 * next Login Request; the connection fills ITT, CmdSN, ExpStatSN, ISID, TSIH and CID.
 *
 * Flow: security stage (CSG=0) offering AuthMethod (CHAP when configured), the CHAP
 * exchange (CHAP_A=5 → CHAP_I/CHAP_C → CHAP_N/CHAP_R [+ our CHAP_I/CHAP_C for mutual]),
 * then the operational stage (CSG=1) with our offers, transiting to Full Feature (NSG=3).
 * Rules enforced:
 *  - "InitiatorName ... MUST be provided by the initiator ... in the first Login Request"
 *    and TargetName for a Normal session (§13.6.1, §13.4).
 *  - a non-zero Status-Class ends the login (§11.13.5).
 *  - mutual CHAP: the target's CHAP_N/CHAP_R must match the configured mutual
 *    credentials, else the login fails locally (§12.1.3), and a target that did not
 *    authenticate at all when mutual CHAP was required fails too.
 *  - C bit: "the text ... is continued in the next Login Response"; we answer with an
 *    empty Login Request until C=0 (§11.13.2).
 */
import { chapResponse, chapResponseMatches, decodeChapBinary, encodeChapBinary } from '../auth/chap.js';
import { applyTargetReplies, initiatorOffers, newNegotiationState, type Digest, type NegotiatedParams, type NegotiationState } from '../pdu/negotiation.js';
import { parseTextData } from '../pdu/text.js';
import type { LoginResponse } from '../pdu/types.js';
import { LoginError } from './login-error.js';
import type { ChapConfig } from './types.js';

export const Stage = { Security: 0, Operational: 1, FullFeature: 3 } as const;

export interface LoginFlowOptions {
  initiatorName: string;
  targetName?: string;
  sessionType: 'Normal' | 'Discovery';
  chap?: ChapConfig | undefined;
  headerDigest?: boolean | undefined;
  dataDigest?: boolean | undefined;
  /** What we declare as MaxRecvDataSegmentLength (default 262144). */
  maxRecvDataSegmentLength?: number;
  maxBurstLength?: number;
  firstBurstLength?: number;
  maxOutstandingR2T?: number;
  /** Random bytes for our mutual-CHAP challenge and identifier (injected for tests). */
  random: (n: number) => Buffer;
}

export interface LoginRequestFields {
  transit: boolean;
  csg: number;
  nsg: number;
  pairs: Array<[string, string]>;
}

export type LoginStep =
  | { kind: 'send'; request: LoginRequestFields }
  | { kind: 'done'; params: NegotiatedParams; tsih: number; targetKeys: Map<string, string> }
  | { kind: 'fail'; error: LoginError };

type Phase = 'security' | 'chap-a' | 'chap-r' | 'security-transit' | 'operational' | 'done';

const MAX_ROUNDS = 32;
/** Keys the target declares (no answer expected). */
const DECLARATIVE = new Set(['TargetAlias', 'TargetPortalGroupTag', 'TargetAddress', 'MaxRecvDataSegmentLength']);

export class LoginFlow {
  private phase: Phase = 'security';
  private readonly neg: NegotiationState = newNegotiationState();
  private pendingText: Buffer[] = [];
  private rounds = 0;
  private mutualId = 0;
  private mutualChallenge: Buffer = Buffer.alloc(0);
  private authenticated = false;
  /** Declarations the target made (TargetAlias, TargetPortalGroupTag, ...). */
  readonly targetKeys = new Map<string, string>();
  private lastCsg: number = Stage.Security;

  constructor(private readonly opts: LoginFlowOptions) {
    this.neg.params.ourMaxRecvDataSegmentLength = opts.maxRecvDataSegmentLength ?? 262144;
  }

  private get mutual(): boolean {
    return this.opts.chap?.mutualUser !== undefined && this.opts.chap.mutualSecret !== undefined;
  }

  /** The first Login Request. */
  start(): LoginStep {
    const o = this.opts;
    const pairs: Array<[string, string]> = [['InitiatorName', o.initiatorName]];
    if (o.sessionType === 'Normal') {
      if (!o.targetName) return this.fail('a Normal session needs a TargetName (RFC 7143 §13.4)');
      pairs.push(['TargetName', o.targetName]);
    }
    pairs.push(['SessionType', o.sessionType]);
    // One-way CHAP may fall back to None if the target does not ask for it; mutual CHAP may not.
    const auth = o.chap ? (this.mutual ? 'CHAP' : 'CHAP,None') : 'None';
    pairs.push(['AuthMethod', auth]);
    return this.send(Stage.Security, !o.chap, Stage.Operational, pairs);
  }

  onResponse(r: LoginResponse): LoginStep {
    if (this.phase === 'done') return this.fail('Login Response after the login completed');
    if (++this.rounds > MAX_ROUNDS) return this.fail(`login did not finish within ${MAX_ROUNDS} exchanges`);
    if (r.statusClass !== 0) {
      const addr = parseTextData(r.data);
      const ta = addr.ok ? addr.pairs.find(([k]) => k === 'TargetAddress')?.[1] : undefined;
      return { kind: 'fail', error: LoginError.fromStatus(r.statusClass, r.statusDetail, ta) };
    }
    if (r.csg !== this.lastCsg) return this.fail(`Login Response for stage ${r.csg}, we are in stage ${this.lastCsg}`);
    this.pendingText.push(r.data);
    if (r.continue) {
      if (r.transit) return this.fail('Login Response with both T and C bits set (RFC 7143 §11.13.2)');
      return this.send(r.csg, false, r.nsg, []);
    }
    const text = this.pendingText.length === 1 ? this.pendingText[0]! : Buffer.concat(this.pendingText);
    this.pendingText = [];
    const parsed = parseTextData(text);
    if (!parsed.ok) return this.fail(`bad text in Login Response: ${parsed.message}`);
    const keys = new Map(parsed.pairs);
    for (const k of ['TargetAlias', 'TargetPortalGroupTag', 'TargetAddress']) {
      const v = keys.get(k);
      if (v !== undefined) this.targetKeys.set(k, v);
    }
    switch (this.phase) {
      case 'security':
        return this.onSecurity(r, keys);
      case 'chap-a':
        return this.onChapChallenge(keys);
      case 'chap-r':
        return this.onChapResult(r, keys);
      case 'security-transit':
        return this.afterSecurity(r);
      case 'operational':
        return this.onOperational(r, parsed.pairs);
    }
  }

  private onSecurity(r: LoginResponse, keys: Map<string, string>): LoginStep {
    const method = keys.get('AuthMethod');
    if (method === 'CHAP') {
      if (!this.opts.chap) return this.fail('the target chose AuthMethod=CHAP but no CHAP credentials are configured');
      this.phase = 'chap-a';
      return this.send(Stage.Security, false, Stage.Operational, [['CHAP_A', '5']]);
    }
    if (method !== undefined && method !== 'None') return this.fail(`the target answered AuthMethod=${method}`);
    if (this.mutual) return this.fail('mutual CHAP is configured but the target did not authenticate with CHAP');
    return this.afterSecurity(r);
  }

  private onChapChallenge(keys: Map<string, string>): LoginStep {
    const chap = this.opts.chap!;
    const a = keys.get('CHAP_A');
    const i = keys.get('CHAP_I');
    const c = keys.get('CHAP_C');
    if (a !== '5') return this.fail(`the target chose CHAP_A=${a ?? '(none)'}; only 5 (MD5) is supported`);
    const id = i === undefined ? Number.NaN : Number(i);
    const challenge = c === undefined ? undefined : decodeChapBinary(c);
    if (!Number.isInteger(id) || id < 0 || id > 255 || !challenge || challenge.length === 0) return this.fail('bad CHAP_I/CHAP_C from the target');
    const resp = chapResponse(id, Buffer.from(chap.secret, 'utf8'), challenge);
    const pairs: Array<[string, string]> = [['CHAP_N', chap.user], ['CHAP_R', encodeChapBinary(resp)]];
    if (this.mutual) {
      this.mutualId = this.opts.random(1)[0]!;
      do this.mutualChallenge = this.opts.random(16);
      while (this.mutualChallenge.equals(challenge));
      pairs.push(['CHAP_I', String(this.mutualId)], ['CHAP_C', encodeChapBinary(this.mutualChallenge)]);
    }
    this.phase = 'chap-r';
    return this.send(Stage.Security, true, Stage.Operational, pairs);
  }

  private onChapResult(r: LoginResponse, keys: Map<string, string>): LoginStep {
    if (this.mutual && !this.authenticated) {
      const chap = this.opts.chap!;
      const n = keys.get('CHAP_N');
      const rr = keys.get('CHAP_R');
      if (n === undefined || rr === undefined) return this.fail('mutual CHAP: the target did not answer our challenge');
      if (n !== chap.mutualUser) return this.fail(`mutual CHAP: the target named itself "${n}", expected "${chap.mutualUser}"`);
      const got = decodeChapBinary(rr);
      const want = chapResponse(this.mutualId, Buffer.from(chap.mutualSecret!, 'utf8'), this.mutualChallenge);
      if (!got || !chapResponseMatches(want, got)) return this.fail('mutual CHAP: the target does not know the mutual secret');
    }
    this.authenticated = true;
    return this.afterSecurity(r);
  }

  /** Security stage is complete on our side; move on once the target transits. */
  private afterSecurity(r: LoginResponse): LoginStep {
    if (r.transit && r.nsg === Stage.FullFeature) return this.finish(r); // target skipped operational
    if (r.transit && r.nsg === Stage.Operational) {
      this.phase = 'operational';
      return this.send(Stage.Operational, true, Stage.FullFeature, this.offers());
    }
    this.phase = 'security-transit';
    return this.send(Stage.Security, true, Stage.Operational, []);
  }

  private offered = false;
  private readonly offeredKeys = new Set<string>();
  private readonly answeredTarget = new Set<string>();
  private offers(): Array<[string, string]> {
    this.offered = true;
    const o = this.opts;
    const dig = (on: boolean | undefined): Digest[] => (on ? ['CRC32C', 'None'] : ['None']);
    const out = initiatorOffers({
      sessionType: o.sessionType,
      headerDigest: dig(o.headerDigest),
      dataDigest: dig(o.dataDigest),
      maxRecvDataSegmentLength: this.neg.params.ourMaxRecvDataSegmentLength,
      maxBurstLength: o.maxBurstLength ?? 16776192,
      firstBurstLength: o.firstBurstLength ?? 262144,
      maxOutstandingR2T: o.maxOutstandingR2T ?? 8,
      initialR2T: false,
      immediateData: true,
    });
    for (const [k] of out) this.offeredKeys.add(k);
    return out;
  }

  private onOperational(r: LoginResponse, pairs: Array<[string, string]>): LoginStep {
    const applied = applyTargetReplies(this.neg, pairs);
    if (applied.error) return this.fail(applied.error);
    // Keys the target offers on its own that we did not offer: "the answer for a key not
    // understood MUST be key=NotUnderstood" (§6.2); we decline the ones we do not use.
    const answers: Array<[string, string]> = [];
    for (const [k, v] of pairs) {
      if (this.offeredKeys.has(k) || DECLARATIVE.has(k) || this.answeredTarget.has(k)) continue;
      if (v === 'NotUnderstood' || v === 'Reject' || v === 'Irrelevant') continue;
      this.answeredTarget.add(k);
      answers.push([k, 'NotUnderstood']);
    }
    if (r.transit && r.nsg === Stage.FullFeature && answers.length === 0) return this.finish(r);
    return this.send(Stage.Operational, true, Stage.FullFeature, this.offered ? answers : [...this.offers(), ...answers]);
  }

  private finish(r: LoginResponse): LoginStep {
    this.phase = 'done';
    const p = this.neg.params;
    // §13.14: FirstBurstLength is irrelevant (and unused) when InitialR2T=Yes and ImmediateData=No.
    if (p.firstBurstLength > p.maxBurstLength) p.firstBurstLength = p.maxBurstLength;
    return { kind: 'done', params: { ...p }, tsih: r.tsih, targetKeys: new Map(this.targetKeys) };
  }

  private send(csg: number, transit: boolean, nsg: number, pairs: Array<[string, string]>): LoginStep {
    this.lastCsg = csg;
    return { kind: 'send', request: { transit, csg, nsg: transit ? nsg : 0, pairs } };
  }

  private fail(message: string): LoginStep {
    this.phase = 'done';
    return { kind: 'fail', error: LoginError.local(message) };
  }
}
