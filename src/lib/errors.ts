/**
 * Control-plane errors: typed classes with a stable `code`, an HTTP status and a
 * message an operator understands. Wire violations and SCSI outcomes are NOT
 * exceptions (see iscsi/ and scsi/); these are for the API, CLI, store and daemon.
 */
import { API_TOKEN_FILE } from './api-contract.js';

export class TandemError extends Error {
  readonly code: string;
  readonly httpStatus: number;
  /** Optional field the error is about (e.g. "sizeBytes"), shown by the API. */
  readonly field?: string;
  constructor(code: string, httpStatus: number, message: string, field?: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.httpStatus = httpStatus;
    if (field !== undefined) this.field = field;
  }
}

export class ValidationError extends TandemError {
  constructor(message: string, field?: string) {
    super('VALIDATION', 400, message, field);
  }
}

export class NotFoundError extends TandemError {
  constructor(what: string, name: string) {
    super('NOT_FOUND', 404, `${what} '${name}' does not exist`);
  }
}

export class ConflictError extends TandemError {
  constructor(message: string) {
    super('CONFLICT', 409, message);
  }
}

export class UnauthorizedError extends TandemError {
  constructor(message = `missing or wrong API token: pass "Authorization: Bearer <token>" (the token is in <data-dir>/${API_TOKEN_FILE})`) {
    super('UNAUTHORIZED', 401, message);
  }
}

/** Stored state that does not decode (a damaged database, or one written by a newer build). */
export class CorruptStateError extends TandemError {
  constructor(message: string) {
    super('CORRUPT_STATE', 500, message);
  }
}

export class InternalError extends TandemError {
  constructor(message: string) {
    super('INTERNAL', 500, message);
  }
}
