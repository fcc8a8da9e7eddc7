/**
 * Input validation for the control plane. Every failure is a ValidationError that
 * names the field and says how to fix it.
 */
import { ValidationError } from '../lib/errors.js';

export const MIB = 1024 * 1024;
export const MAX_LUN = 16383;
export const CHAP_SECRET_MIN = 12;
export const CHAP_SECRET_MAX = 255;

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export function checkName(value: string, field = 'name'): string {
  if (!NAME_RE.test(value)) {
    throw new ValidationError(
      `${field} '${value}' is not valid: use 1-63 characters from A-Z a-z 0-9 . _ -, starting with a letter or digit`,
      field,
    );
  }
  return value;
}

export function checkSize(sizeBytes: number, blockSize: number, field = 'sizeBytes'): number {
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0) {
    throw new ValidationError(`${field} must be a positive whole number of bytes (got ${sizeBytes})`, field);
  }
  if (sizeBytes < MIB) {
    throw new ValidationError(`${field} ${sizeBytes} is too small: a volume must be at least 1 MiB (1048576 bytes)`, field);
  }
  if (sizeBytes % blockSize !== 0) {
    throw new ValidationError(
      `${field} ${sizeBytes} is not a multiple of the ${blockSize}-byte block size: round it to ${Math.ceil(sizeBytes / blockSize) * blockSize}`,
      field,
    );
  }
  return sizeBytes;
}

export function checkBlockSize(bs: number, field = 'blockSize'): 512 | 4096 {
  if (bs !== 512 && bs !== 4096) throw new ValidationError(`${field} must be 512 or 4096 (got ${bs})`, field);
  return bs;
}

export function checkLun(lun: number, field = 'lun'): number {
  if (!Number.isInteger(lun) || lun < 0 || lun > MAX_LUN) {
    throw new ValidationError(`${field} must be a whole number from 0 to ${MAX_LUN} (got ${lun})`, field);
  }
  return lun;
}

/*
 * iSCSI names, RFC 7143 §4.2.7.2: "iqn." date "." reversed domain [":" anything],
 * "eui." + 16 hex digits, or "naa." + 16 or 32 hex digits; at most 223 bytes.
 * Names are case-insensitive (RFC 3722 stringprep maps them to lower case); within
 * ASCII only '-', '.', ':', 'a'-'z' and '0'-'9' are allowed. We accept ASCII only
 * and store iqn. names in lower case, eui./naa. names with upper-case hex.
 */
const IQN_RE = /^iqn\.\d{4}-(0[1-9]|1[0-2])\.[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[a-z0-9.:-]*)?$/;
const EUI_RE = /^eui\.[0-9A-F]{16}$/;
const NAA_RE = /^naa\.([0-9A-F]{16}|[0-9A-F]{32})$/;
export const ISCSI_NAME_MAX = 223;

/** Normalizes an iSCSI name for storage and comparison, without validating it. */
export function normalizeIscsiName(name: string): string {
  const lower = name.trim().toLowerCase();
  if (lower.startsWith('eui.') || lower.startsWith('naa.')) return lower.slice(0, 4) + lower.slice(4).toUpperCase();
  return lower;
}

export function checkInitiatorName(value: string, field = 'initiator'): string {
  const n = normalizeIscsiName(value);
  const ok = Buffer.byteLength(n) <= ISCSI_NAME_MAX &&
    (n.startsWith('iqn.') ? IQN_RE.test(n) : n.startsWith('eui.') ? EUI_RE.test(n) : n.startsWith('naa.') ? NAA_RE.test(n) : false);
  if (!ok) {
    throw new ValidationError(
      `${field} '${value}' is not a valid iSCSI name (RFC 7143 §4.2.7.2): use iqn.YYYY-MM.reversed.domain[:id] ` +
        `(letters, digits, '-', '.', ':'), eui. + 16 hex digits, or naa. + 16 or 32 hex digits; at most 223 bytes`,
      field,
    );
  }
  return n;
}

export function checkChapUser(value: string, field: string): string {
  if (value.length < 1 || value.length > 255 || /[\s\x00-\x1f\x7f]/.test(value)) {
    throw new ValidationError(`${field} must be 1-255 printable characters without spaces`, field);
  }
  return value;
}

/*
 * RFC 7143 §12.1.3: secrets with fewer than 96 random bits (12 bytes) are open to an
 * off-line dictionary attack unless IPsec protects the link, so we require 12..255
 * characters (16 or more recommended).
 */
export function checkChapSecret(value: string, field: string): string {
  if (value.length < CHAP_SECRET_MIN || value.length > CHAP_SECRET_MAX || /[\x00]/.test(value)) {
    throw new ValidationError(
      `${field} must be ${CHAP_SECRET_MIN}-${CHAP_SECRET_MAX} characters (RFC 7143 §12.1.3 asks for at least 96 bits; 16+ random characters recommended)`,
      field,
    );
  }
  return value;
}
