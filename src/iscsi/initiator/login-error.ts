/**
 * Why a login failed: the Login Response status (RFC 7143 §11.13.5), or a local reason
 * (timeout, protocol violation, mutual CHAP failure) with statusClass -1.
 */
export const LoginStatusClass = { Success: 0, Redirection: 1, InitiatorError: 2, TargetError: 3, Local: -1 } as const;

const DETAIL: Readonly<Record<number, string>> = {
  0x0101: 'target moved temporarily',
  0x0102: 'target moved permanently',
  0x0200: 'initiator error',
  0x0201: 'authentication failure',
  0x0202: 'authorization failure',
  0x0203: 'target not found',
  0x0204: 'target removed',
  0x0205: 'unsupported version',
  0x0206: 'too many connections',
  0x0207: 'missing parameter',
  0x0208: "can't include in session",
  0x0209: 'session type not supported',
  0x020a: 'session does not exist',
  0x020b: 'invalid request during login',
  0x0300: 'target error',
  0x0301: 'service unavailable',
  0x0302: 'out of resources',
};

export class LoginError extends Error {
  readonly code = 'ISCSI_LOGIN';
  constructor(
    readonly statusClass: number,
    readonly statusDetail: number,
    message: string,
    /** For class 1 (redirection): the TargetAddress the target named. */
    readonly targetAddress?: string,
  ) {
    super(message);
    this.name = 'LoginError';
  }

  static fromStatus(statusClass: number, statusDetail: number, targetAddress?: string): LoginError {
    const code = (statusClass << 8) | statusDetail;
    const what = DETAIL[code] ?? 'unknown status';
    const hex = `0x${code.toString(16).padStart(4, '0')}`;
    return new LoginError(statusClass, statusDetail, `iSCSI login rejected by the target: ${what} (status ${hex})`, targetAddress);
  }

  static local(message: string): LoginError {
    return new LoginError(LoginStatusClass.Local, 0, message);
  }
}
