/**
 * An iSCSI session (RFC 7143 §3.4.1, §4.2.2): identified by ISID + TPGT on the initiator
 * side and TSIH on ours; owns the CmdSN window shared by its connections and, for Normal
 * sessions, the SCSI I_T nexus.
 */
import type { ItNexus } from '../../scsi/types.js';
import type { NegotiatedParams } from '../pdu/negotiation.js';
import { CommandWindow } from './command-window.js';
import { isidHex } from './nexus.js';

/** One PDU waiting its CmdSN turn; `connection` is whichever connection carried it. */
export interface WindowItem<C> {
  connection: C;
  run: () => void;
  itt: number;
  lun: Buffer | undefined;
  aborted: boolean;
}

export interface SessionConnectionInfo {
  cid: number;
  local: string;
  remote: string;
  tpgt: number;
  statSN: number;
}

export interface SessionInfo {
  initiatorName: string;
  initiatorAlias: string;
  isid: string;
  tsih: number;
  type: 'normal' | 'discovery';
  tpgt: number;
  connections: SessionConnectionInfo[];
  params: NegotiatedParams;
  loginTime: string;
  commandsExecuted: number;
  expCmdSN: number;
  maxCmdSN: number;
}

/** What the session needs from a connection. */
export interface SessionConnection {
  readonly cid: number;
  info(): SessionConnectionInfo;
  /** Close now (socket destroyed); `reason` is logged. */
  close(reason: string): void;
}

export class Session<C extends SessionConnection = SessionConnection> {
  readonly connections = new Set<C>();
  readonly window: CommandWindow<WindowItem<C>>;
  readonly loginTime: number;
  commandsExecuted = 0;
  ended = false;

  constructor(
    readonly tsih: number,
    readonly isid: Buffer,
    readonly initiatorName: string,
    readonly initiatorAlias: string,
    readonly type: 'Normal' | 'Discovery',
    readonly tpgt: number,
    readonly params: NegotiatedParams,
    readonly nexus: ItNexus | undefined,
    initialCmdSN: number,
    queueDepth: number,
    now: number,
  ) {
    this.window = new CommandWindow(initialCmdSN, queueDepth);
    this.loginTime = now;
  }

  /** The key under which reinstatement finds it (RFC 7143 §6.3.5: same InitiatorName, ISID, TPGT). */
  get key(): string {
    return sessionKey(this.initiatorName, this.isid, this.tpgt);
  }

  info(): SessionInfo {
    return {
      initiatorName: this.initiatorName,
      initiatorAlias: this.initiatorAlias,
      isid: isidHex(this.isid),
      tsih: this.tsih,
      type: this.type === 'Normal' ? 'normal' : 'discovery',
      tpgt: this.tpgt,
      connections: [...this.connections].map((c) => c.info()),
      params: { ...this.params },
      loginTime: new Date(this.loginTime).toISOString(),
      commandsExecuted: this.commandsExecuted,
      expCmdSN: this.window.expCmdSN,
      maxCmdSN: this.window.maxCmdSN,
    };
  }
}

export function sessionKey(initiatorName: string, isid: Buffer, tpgt: number): string {
  return `${initiatorName}|${isidHex(isid)}|${tpgt}`;
}
