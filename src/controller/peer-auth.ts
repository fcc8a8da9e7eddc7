/**
 * Mutual challenge/response authentication of the peer link with a shared per-array
 * secret (docs/ha.md "Peer link protocol": HMAC-SHA256 challenge/response both ways
 * with the per-array secret). Each side sends a random nonce; each proves knowledge of the secret by
 * HMAC over (prover, verifier, verifier's nonce, prover's nonce). Binding both names and
 * the direction makes a reflected proof useless; fresh nonces defeat replay.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const PEER_NONCE_BYTES = 32;

export function newPeerNonce(): string {
  return randomBytes(PEER_NONCE_BYTES).toString('hex');
}

export function peerAuthProof(secret: Buffer | string, prover: string, verifier: string, verifierNonce: string, proverNonce: string): string {
  return createHmac('sha256', secret)
    .update(`tandem-peer-v1\0${prover}\0${verifier}\0${verifierNonce}\0${proverNonce}`)
    .digest('hex');
}

/** Constant-time check of a proof received from `prover`. */
export function verifyPeerAuthProof(secret: Buffer | string, proof: string, prover: string, verifier: string, verifierNonce: string, proverNonce: string): boolean {
  const want = Buffer.from(peerAuthProof(secret, prover, verifier, verifierNonce, proverNonce), 'hex');
  const got = Buffer.from(proof, 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}
