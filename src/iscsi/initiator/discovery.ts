/**
 * SendTargets discovery, RFC 7143 §4.3 ("iSCSI Discovery Session"), Appendix C
 * ("SendTargets Operation"), §11.10/§11.11 (Text Request/Response): log in with
 * SessionType=Discovery, send "SendTargets=All", collect the (possibly C-bit continued)
 * TargetName/TargetAddress records, log out. "TargetAddress=domainname[:port][,portal-group-tag]"
 * (§13.8); an IPv6 literal is bracketed.
 */
import { randomBytes } from 'node:crypto';
import { silentLogger, type Logger } from '../../lib/logger.js';
import { encodeTextData } from '../pdu/text.js';
import type { TargetPdu, TextResponse } from '../pdu/types.js';
import { InitiatorConnection } from './connection.js';
import { LoginFlow } from './login-flow.js';
import { runLogin } from './login-runner.js';
import { randomIsid } from './isid.js';
import { parseSendTargets, type DiscoveredTarget } from './send-targets.js';
import type { ChapConfig } from './types.js';

export type { DiscoveredTarget } from './send-targets.js';

const RESERVED = 0xffffffff;

export async function discover(
  host: string,
  port: number,
  opts: { initiatorName: string; chap?: ChapConfig | undefined; logger?: Logger | undefined; timeoutMs?: number | undefined },
): Promise<DiscoveredTarget[]> {
  const log = opts.logger ?? silentLogger();
  const timeout = opts.timeoutMs ?? 10000;
  const conn = await InitiatorConnection.open(host, port, 262144, timeout);
  const flow = new LoginFlow({ initiatorName: opts.initiatorName, sessionType: 'Discovery', chap: opts.chap, random: randomBytes });
  const login = await runLogin(conn, flow, { isid: randomIsid(), tsih: 0, cid: 0, cmdSN: 1, itt: 1 }, timeout);
  let cmdSN = login.expCmdSN;
  let expStatSN = login.expStatSN;
  try {
    const text = await exchange(conn, timeout, (ttt, first) => {
      conn.send({
        kind: 'TextRequest', immediate: false, final: true, continue: false, lun: Buffer.alloc(8), itt: 2, ttt,
        cmdSN, expStatSN, data: first ? encodeTextData([['SendTargets', 'All']]) : Buffer.alloc(0),
      });
    }, (r) => {
      expStatSN = (r.statSN + 1) >>> 0;
    });
    cmdSN = (cmdSN + 1) >>> 0;
    conn.send({ kind: 'LogoutRequest', immediate: true, reasonCode: 0, itt: 3, cid: 0, cmdSN, expStatSN });
    await waitFor(conn, (p) => p.kind === 'LogoutResponse', 2000).catch(() => undefined);
    return parseSendTargets(text, host, port);
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'iscsi discovery failed');
    throw err;
  } finally {
    conn.close('discovery done');
  }
}

/** Text Request/Response exchange, following the C bit with empty requests (§11.10.2). */
async function exchange(conn: InitiatorConnection, timeout: number, send: (ttt: number, first: boolean) => void, seen: (r: TextResponse) => void): Promise<Buffer> {
  const parts: Buffer[] = [];
  send(RESERVED, true);
  for (let i = 0; i < 1000; i++) {
    const r = (await waitFor(conn, (p) => p.kind === 'TextResponse' || p.kind === 'Reject', timeout)) as TextResponse;
    if ((r as TargetPdu).kind === 'Reject') throw new Error('the target rejected SendTargets');
    seen(r);
    parts.push(r.data);
    if (r.final && !r.continue) return Buffer.concat(parts);
    send(r.ttt, false);
  }
  throw new Error('SendTargets response never ended');
}

function waitFor(conn: InitiatorConnection, pred: (p: TargetPdu) => boolean, timeout: number): Promise<TargetPdu> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      conn.off('pdu', onPdu);
      conn.off('close', onClose);
    };
    const onPdu = (p: TargetPdu): void => {
      if (!pred(p)) return;
      done();
      resolve(p);
    };
    const onClose = (reason: string): void => {
      done();
      reject(new Error(`discovery connection lost: ${reason}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no answer within ${timeout} ms`));
    }, timeout);
    conn.on('pdu', onPdu);
    conn.on('close', onClose);
  });
}
