/** Login Response status class/detail, RFC 7143 §11.13.5, as one 16-bit value (class << 8 | detail). */
export const LoginStatus = {
  Success: 0x0000,
  TargetMovedTemporarily: 0x0101,
  InitiatorError: 0x0200,
  AuthenticationFailure: 0x0201,
  AuthorizationFailure: 0x0202,
  NotFound: 0x0203,
  TargetRemoved: 0x0204,
  UnsupportedVersion: 0x0205,
  TooManyConnections: 0x0206,
  MissingParameter: 0x0207,
  CantIncludeInSession: 0x0208,
  SessionTypeNotSupported: 0x0209,
  SessionDoesNotExist: 0x020a,
  InvalidDuringLogin: 0x020b,
  TargetError: 0x0300,
  ServiceUnavailable: 0x0301,
  OutOfResources: 0x0302,
} as const;
export type LoginStatusValue = (typeof LoginStatus)[keyof typeof LoginStatus];

/** Login stages (CSG/NSG values, §11.12.3). */
export const Stage = { Security: 0, Operational: 1, FullFeature: 3 } as const;
