/**
 * The target's login state machine for one connection, RFC 7143 §6 (Login and Full Feature
 * Phase Negotiation), §11.12-§11.13 (Login Request/Response). Pure: it consumes decoded
 * Login Requests and yields the text, flags and status of each Login Response; the
 * connection fills sequence numbers and TSIH and does the I/O.
 *
 * Rules enforced here:
 *  - "Version-min ... If the target does not support the version, it MUST respond with
 *    status 0x0205 (unsupported version)" (§11.12.4).
 *  - InitiatorName "MUST be provided by the initiator ... in the first Login Request"
 *    (§13.6.1); TargetName for Normal sessions (§13.4); SessionType defaults to Normal.
 *  - Stage transitions only forward: CSG must match the current stage; NSG > CSG (§6.3).
 *  - "TargetPortalGroupTag ... MUST be returned in the first Login Response PDU" of a
 *    Normal session's leading connection (§13.9).
 *  - When chapFor() returns credentials, AuthMethod=CHAP is required; skipping the
 *    security stage or offering only None fails with 0x0201.
 *  - A target that does not serve its LUs yet (starting, docs/ha.md "Portals that serve")
 *    answers the first Login Request 0x0301 SERVICE UNAVAILABLE.
 */
import { parseTextData } from '../pdu/text.js';
import { negotiateAsTarget, newNegotiationState, type NegotiatedParams, type NegotiationState, type TargetLimits } from '../pdu/negotiation.js';
import type { LoginRequest } from '../pdu/types.js';
import type { AuthPolicy, ChapCredentials } from './auth-policy.js';
import { ChapExchange } from './login-chap.js';
import { LoginStatus, Stage, type LoginStatusValue } from './login-status.js';

export interface LoginEnv {
  targetName: string;
  tpgt: number;
  portal: { host: string; port: number };
  auth: AuthPolicy;
  limits: TargetLimits;
  /**
   * Does the target serve its logical units yet? Until it does, every login (Normal and
   * Discovery) is answered 0x0301 SERVICE UNAVAILABLE, which initiators retry (RFC 7143
   * §11.13.5: status class 3, "the target ... is currently not operational"). Absent ⇒ yes.
   */
  serving?(): boolean;
  /** For a non-leading login (TSIH ≠ 0): may this connection join that session? */
  checkJoin(initiatorName: string, isid: Buffer, tsih: number): 'ok' | 'session-does-not-exist' | 'too-many-connections';
}

export interface LoginReply {
  transit: boolean;
  continue: boolean;
  csg: number;
  nsg: number;
  status: LoginStatusValue;
  pairs: Array<[string, string]>;
}

export type LoginOutcome = 'continue' | 'complete' | 'fail';

export interface LoginStepResult {
  reply: LoginReply;
  outcome: LoginOutcome;
  /** Why a login failed, for logs and events. */
  detail?: string;
}

const AUTH_KEYS = new Set(['AuthMethod', 'CHAP_A', 'CHAP_I', 'CHAP_C', 'CHAP_N', 'CHAP_R']);
const DECLARATIVE_KEYS = new Set(['InitiatorName', 'InitiatorAlias', 'TargetName', 'SessionType', 'TargetAlias', 'TargetAddress', 'TargetPortalGroupTag']);

export class LoginMachine {
  stage: number = Stage.Security;
  initiatorName = '';
  initiatorAlias = '';
  sessionType: 'Normal' | 'Discovery' = 'Normal';
  isid: Buffer = Buffer.alloc(6);
  tsih = 0;
  cid = 0;
  itt = 0;
  cmdSN = 0;
  private first = true;
  private authDone = false;
  private authMethod: 'None' | 'CHAP' | undefined;
  private chap: ChapExchange | undefined;
  private creds: ChapCredentials | undefined;
  private pending: Buffer[] = [];
  private readonly neg: NegotiationState = newNegotiationState();

  constructor(private readonly env: LoginEnv) {}

  get params(): NegotiatedParams {
    return this.neg.params;
  }

  get leading(): boolean {
    return this.tsih === 0;
  }

  step(req: LoginRequest): LoginStepResult {
    const fail = (status: LoginStatusValue, detail: string): LoginStepResult => ({
      reply: { transit: false, continue: false, csg: req.csg, nsg: req.nsg, status, pairs: [] },
      outcome: 'fail',
      detail,
    });
    if (req.versionMin > 0x00) return fail(LoginStatus.UnsupportedVersion, `unsupported iSCSI version ${req.versionMin}-${req.versionMax}`);
    if (this.first) {
      this.isid = Buffer.from(req.isid);
      this.tsih = req.tsih;
      this.cid = req.cid;
      this.cmdSN = req.cmdSN >>> 0;
      // The initiator may skip the security stage and start in the operational stage (§6.3).
      if (req.csg === Stage.Operational) this.stage = Stage.Operational;
    } else if (!req.isid.equals(this.isid) || req.tsih !== this.tsih) {
      return fail(LoginStatus.InitiatorError, 'ISID or TSIH changed during login');
    }
    this.itt = req.itt;
    if (req.csg !== this.stage) return fail(LoginStatus.InitiatorError, `login stage ${req.csg} does not follow stage ${this.stage}`);
    if (req.csg !== Stage.Security && req.csg !== Stage.Operational) return fail(LoginStatus.InitiatorError, `invalid CSG ${req.csg}`);
    if (req.transit && (req.nsg <= req.csg || (req.nsg !== Stage.Operational && req.nsg !== Stage.FullFeature))) {
      return fail(LoginStatus.InitiatorError, `invalid stage transition ${req.csg}→${req.nsg}`);
    }
    if (req.continue && req.transit) return fail(LoginStatus.InitiatorError, 'C and T bits both set');

    // Text split over several PDUs (C=1): answer each with an empty response (§11.12.2).
    this.pending.push(req.data);
    if (req.continue) {
      return { reply: { transit: false, continue: false, csg: req.csg, nsg: req.nsg, status: LoginStatus.Success, pairs: [] }, outcome: 'continue' };
    }
    const text = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    const parsed = parseTextData(text);
    if (!parsed.ok) return fail(LoginStatus.InitiatorError, `bad login text: ${parsed.message}`);
    const keys = new Map<string, string>();
    for (const [k, v] of parsed.pairs) keys.set(k, v);

    const replies: Array<[string, string]> = [];
    if (this.first) {
      const r = this.firstRequest(keys, req, replies);
      if (r) return fail(r[0], r[1]);
      this.first = false;
    }

    // Security stage.
    const authKeys = new Map<string, string>();
    for (const [k, v] of keys) if (AUTH_KEYS.has(k)) authKeys.set(k, v);
    if (authKeys.size > 0 && req.csg !== Stage.Security) return fail(LoginStatus.InitiatorError, 'authentication keys outside the security stage');
    if (req.csg === Stage.Security) {
      const r = this.security(authKeys, replies);
      if (r) return fail(r[0], r[1]);
    } else if (this.creds && !this.authDone) {
      return fail(LoginStatus.AuthenticationFailure, 'CHAP is required but the security stage was skipped');
    }

    // Operational keys (allowed in any login stage).
    const offers = parsed.pairs.filter(([k]) => !AUTH_KEYS.has(k) && !DECLARATIVE_KEYS.has(k));
    const willTransit = req.transit && (req.csg !== Stage.Security || this.authDone || !this.creds);
    if (offers.length > 0 || (willTransit && req.nsg === Stage.FullFeature && !this.neg.declaredMaxRecv)) {
      const n = negotiateAsTarget(this.neg, offers, this.env.limits, { sessionType: this.sessionType, leading: this.leading });
      if (n.error) return fail(LoginStatus.InitiatorError, `negotiation: ${n.error}`);
      replies.push(...n.replies);
    }

    if (!willTransit) {
      return { reply: { transit: false, continue: false, csg: req.csg, nsg: req.nsg, status: LoginStatus.Success, pairs: replies }, outcome: 'continue' };
    }
    if (req.csg === Stage.Security) this.authDone = true;
    this.stage = req.nsg;
    return {
      reply: { transit: true, continue: false, csg: req.csg, nsg: req.nsg, status: LoginStatus.Success, pairs: replies },
      outcome: req.nsg === Stage.FullFeature ? 'complete' : 'continue',
    };
  }

  private firstRequest(keys: Map<string, string>, req: LoginRequest, replies: Array<[string, string]>): [LoginStatusValue, string] | undefined {
    const name = keys.get('InitiatorName');
    if (!name) return [LoginStatus.MissingParameter, 'InitiatorName missing from the first Login Request'];
    this.initiatorName = name;
    this.initiatorAlias = keys.get('InitiatorAlias') ?? '';
    if (this.env.serving?.() === false) return [LoginStatus.ServiceUnavailable, 'the target is starting: its logical units are not served yet, retry the login'];
    const st = keys.get('SessionType') ?? 'Normal';
    if (st !== 'Normal' && st !== 'Discovery') return [LoginStatus.SessionTypeNotSupported, `SessionType "${st}" not supported`];
    this.sessionType = st;
    if (st === 'Normal') {
      const tn = keys.get('TargetName');
      if (!tn) return [LoginStatus.MissingParameter, 'TargetName missing for a Normal session'];
      if (tn !== this.env.targetName) return [LoginStatus.NotFound, `target "${tn}" not found`];
      if (!this.env.auth.isAllowed(name, this.env.portal)) return [LoginStatus.AuthorizationFailure, `initiator ${name} is not allowed to log in`];
    }
    if (req.tsih !== 0) {
      const j = this.env.checkJoin(name, this.isid, req.tsih);
      if (j === 'session-does-not-exist') return [LoginStatus.SessionDoesNotExist, `no session with TSIH ${req.tsih}`];
      if (j === 'too-many-connections') return [LoginStatus.TooManyConnections, 'too many connections in the session'];
    }
    this.creds = this.env.auth.chapFor(name);
    if (st === 'Normal' && this.leading) replies.push(['TargetPortalGroupTag', String(this.env.tpgt)]);
    return undefined;
  }

  private security(keys: Map<string, string>, replies: Array<[string, string]>): [LoginStatusValue, string] | undefined {
    const offered = keys.get('AuthMethod');
    if (offered !== undefined) {
      if (this.authMethod !== undefined) return [LoginStatus.InitiatorError, 'AuthMethod offered twice'];
      const list = offered.split(',').map((s) => s.trim());
      const choice = this.creds ? (list.includes('CHAP') ? 'CHAP' : undefined) : list.includes('None') ? 'None' : list.includes('CHAP') ? 'CHAP' : undefined;
      if (!choice) {
        replies.push(['AuthMethod', 'Reject']);
        return [LoginStatus.AuthenticationFailure, this.creds ? 'CHAP required but not offered' : `no acceptable AuthMethod in "${offered}"`];
      }
      if (choice === 'CHAP' && !this.creds) return [LoginStatus.AuthenticationFailure, 'initiator insists on CHAP but no credentials are configured'];
      this.authMethod = choice;
      replies.push(['AuthMethod', choice]);
      if (choice === 'None') this.authDone = true;
      else this.chap = new ChapExchange(this.creds!);
    }
    const chapKeys = [...keys.keys()].filter((k) => k.startsWith('CHAP_'));
    if (chapKeys.length > 0 && !this.chap) return [LoginStatus.InitiatorError, 'CHAP keys without AuthMethod=CHAP'];
    if (this.chap && (chapKeys.length > 0)) {
      const s = this.chap.step(keys);
      if (!s.ok) return [LoginStatus.AuthenticationFailure, s.message];
      replies.push(...s.replies);
      if (s.done) this.authDone = true;
    }
    if (this.creds && !this.authDone && offered === undefined && chapKeys.length === 0) {
      return [LoginStatus.AuthenticationFailure, 'CHAP is required but AuthMethod was not negotiated'];
    }
    return undefined;
  }
}
