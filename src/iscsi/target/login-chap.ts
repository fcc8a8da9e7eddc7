/**
 * Target side of CHAP during the login security stage, RFC 7143 §12.1.3 and RFC 1994.
 *
 * "CHAP_A=<A1,A2...>" → target answers "CHAP_A=<A>, CHAP_I=<I>, CHAP_C=<C>"; the initiator
 * answers "CHAP_N=<N>, CHAP_R=<R>" and, for mutual CHAP, "CHAP_I=<I>, CHAP_C=<C>"; the target
 * then answers "CHAP_N=<N>, CHAP_R=<R>". "If the initiator ... sends a CHAP_C that is the
 * same as the one the target sent, the target MUST ... terminate the login" (reflection).
 * Only MD5 (algorithm 5) is supported.
 */
import { timingSafeEqual } from 'node:crypto';
import { chapResponse, decodeChapBinary, encodeChapBinary, newChapChallenge, newChapId } from '../auth/chap.js';
import type { ChapCredentials } from './auth-policy.js';

export type ChapPhase = 'await-algorithm' | 'await-response' | 'done';

export type ChapStep =
  | { ok: true; replies: Array<[string, string]>; done: boolean }
  | { ok: false; message: string };

export class ChapExchange {
  private phase: ChapPhase = 'await-algorithm';
  private id = 0;
  private challenge: Buffer = Buffer.alloc(0);

  constructor(private readonly creds: ChapCredentials) {}

  get done(): boolean {
    return this.phase === 'done';
  }

  /** Feed the CHAP_* keys of one Login Request (a map of key → value). */
  step(keys: Map<string, string>): ChapStep {
    if (this.phase === 'await-algorithm') {
      const a = keys.get('CHAP_A');
      if (a === undefined) return { ok: true, replies: [], done: false };
      if (!a.split(',').map((s) => s.trim()).includes('5')) return { ok: false, message: `no supported CHAP algorithm in "${a}" (need 5 = MD5)` };
      this.id = newChapId() & 0xff;
      this.challenge = newChapChallenge(16);
      this.phase = 'await-response';
      return { ok: true, replies: [['CHAP_A', '5'], ['CHAP_I', String(this.id)], ['CHAP_C', encodeChapBinary(this.challenge)]], done: false };
    }
    if (this.phase === 'await-response') {
      const n = keys.get('CHAP_N');
      const r = keys.get('CHAP_R');
      if (n === undefined || r === undefined) return { ok: false, message: 'CHAP_N and CHAP_R expected' };
      if (n !== this.creds.user) return { ok: false, message: `CHAP user "${n}" is not the configured one` };
      const got = decodeChapBinary(r);
      const want = chapResponse(this.id, Buffer.from(this.creds.secret, 'utf8'), this.challenge);
      if (!got || got.length !== want.length || !timingSafeEqual(got, want)) return { ok: false, message: 'CHAP response does not match the secret' };
      const ci = keys.get('CHAP_I');
      const cc = keys.get('CHAP_C');
      this.phase = 'done';
      if (ci === undefined && cc === undefined) return { ok: true, replies: [], done: true };
      if (ci === undefined || cc === undefined) return { ok: false, message: 'mutual CHAP needs both CHAP_I and CHAP_C' };
      if (this.creds.mutualUser === undefined || this.creds.mutualSecret === undefined) {
        return { ok: false, message: 'initiator asked for mutual CHAP but no mutual credentials are configured' };
      }
      const iid = Number(ci);
      const ichal = decodeChapBinary(cc);
      if (!Number.isInteger(iid) || iid < 0 || iid > 255 || !ichal || ichal.length === 0) return { ok: false, message: 'bad mutual CHAP_I/CHAP_C' };
      if (ichal.equals(this.challenge)) return { ok: false, message: 'mutual CHAP challenge reflects ours' };
      const resp = chapResponse(iid, Buffer.from(this.creds.mutualSecret, 'utf8'), ichal);
      return { ok: true, replies: [['CHAP_N', this.creds.mutualUser], ['CHAP_R', encodeChapBinary(resp)]], done: true };
    }
    return { ok: true, replies: [], done: true };
  }
}
