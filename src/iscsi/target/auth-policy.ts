/**
 * Who may log in, and with which CHAP secrets (RFC 7143 §12.1.3). Implemented by the
 * daemon from its access configuration.
 */
export interface ChapCredentials {
  /** CHAP_N the initiator must present, and the secret its CHAP_R is computed with. */
  user: string;
  secret: string;
  /** For mutual CHAP: the name and secret the target answers with. */
  mutualUser?: string;
  mutualSecret?: string;
}

export interface AuthPolicy {
  /** Normal-session authorization: false ⇒ Login status 0x0202 (authorization failure). */
  isAllowed(initiatorName: string, portal: { host: string; port: number }): boolean;
  /** When this returns credentials, AuthMethod must be CHAP; otherwise None is accepted. */
  chapFor(initiatorName: string): ChapCredentials | undefined;
}

/** A policy that lets everyone in without CHAP (tests, lab setups). */
export function openAuthPolicy(): AuthPolicy {
  return { isAllowed: () => true, chapFor: () => undefined };
}
