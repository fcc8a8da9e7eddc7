/**
 * A bare-bones iSCSI initiator over a raw socket, for the target's integration tests only:
 * send any PDU (valid or not) and wait for what comes back. Uses the real codec.
 */
import { connect, type Socket } from 'node:net';
import { decodePdu } from '../../pdu/decode.js';
import { encodePduToBuffer } from '../../pdu/encode.js';
import { Framer } from '../../pdu/framer.js';
import { encodeTextData, parseTextData } from '../../pdu/text.js';
import type { InitiatorPdu, LoginResponse, Pdu } from '../../pdu/types.js';

export class RawInitiator {
  private readonly framer = new Framer({ maxRecvDataSegmentLength: 1 << 24 });
  private readonly queue: Pdu[] = [];
  private waiters: Array<() => void> = [];
  cmdSN = 1;
  expStatSN = 0;
  closed = false;
  readonly closedPromise: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (c: Buffer) => {
      for (const ev of this.framer.push(c)) {
        if (ev.type !== 'pdu') continue;
        const d = decodePdu(ev.pdu);
        if (d.ok) this.queue.push(d.pdu);
      }
      this.wake();
    });
    socket.on('error', () => {});
    this.closedPromise = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true;
        this.wake();
        resolve();
      }),
    );
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawInitiator> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host }, () => resolve(new RawInitiator(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Digests in force after login (set by login() when negotiated). */
  digests = { header: false, data: false };

  send(pdu: InitiatorPdu): void {
    this.socket.write(this.encode(pdu));
  }

  encode(pdu: InitiatorPdu): Buffer {
    return encodePduToBuffer(pdu, this.digests);
  }

  /** The next PDU (optionally of one kind), or undefined on timeout/close. */
  async next(kind?: Pdu['kind'], timeoutMs = 2000): Promise<Pdu | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.queue.findIndex((p) => kind === undefined || p.kind === kind);
      if (i >= 0) return this.queue.splice(i, 1)[0];
      if (this.closed || Date.now() >= deadline) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async login(o: { initiatorName: string; targetName?: string; isid?: Buffer; discovery?: boolean; digests?: boolean }): Promise<LoginResponse | undefined> {
    const pairs: Array<[string, string]> = [['InitiatorName', o.initiatorName], ['SessionType', o.discovery ? 'Discovery' : 'Normal']];
    if (o.targetName) pairs.push(['TargetName', o.targetName]);
    const dg = o.digests ? 'CRC32C' : 'None';
    pairs.push(['HeaderDigest', dg], ['DataDigest', dg], ['MaxRecvDataSegmentLength', '262144']);
    this.send({
      kind: 'LoginRequest', immediate: true, transit: true, continue: false, csg: 1, nsg: 3, versionMax: 0, versionMin: 0,
      isid: o.isid ?? Buffer.from('400000000001', 'hex'), tsih: 0, itt: 0, cid: 1, cmdSN: this.cmdSN, expStatSN: 0, data: encodeTextData(pairs),
    });
    const r = (await this.next('LoginResponse')) as LoginResponse | undefined;
    if (r) this.expStatSN = (r.statSN + 1) >>> 0;
    if (r && r.statusClass === 0 && o.digests) {
      this.digests = { header: true, data: true };
      this.framer.setDigests(this.digests);
    }
    return r;
  }

  nop(itt: number, data = Buffer.alloc(0)): void {
    this.send({ kind: 'NopOut', immediate: true, lun: Buffer.alloc(8), itt, ttt: 0xffffffff, cmdSN: this.cmdSN, expStatSN: this.expStatSN, data });
  }

  text(itt: number, pairs: Array<[string, string]>): void {
    this.send({ kind: 'TextRequest', immediate: true, final: true, continue: false, lun: Buffer.alloc(8), itt, ttt: 0xffffffff, cmdSN: this.cmdSN, expStatSN: this.expStatSN, data: encodeTextData(pairs) });
  }

  logout(itt: number): void {
    this.send({ kind: 'LogoutRequest', immediate: true, reasonCode: 0, itt, cid: 1, cmdSN: this.cmdSN, expStatSN: this.expStatSN });
  }

  static pairs(data: Buffer): Array<[string, string]> {
    const p = parseTextData(data);
    return p.ok ? p.pairs : [];
  }

  close(): void {
    this.socket.destroy();
  }
}
