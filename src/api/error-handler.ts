/**
 * One error shape for every failure: `{ error: { code, message, field? } }`.
 * Fastify schema errors are rewritten so the message names the field.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { TandemError } from '../lib/errors.js';
import type { ErrorBody } from './schemas.js';

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

function fieldOf(e: AjvError): string {
  const base = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const extra = e.keyword === 'required' ? String(e.params.missingProperty)
    : e.keyword === 'additionalProperties' ? String(e.params.additionalProperty) : '';
  return [base, extra].filter((x) => x !== '').join('.');
}

/** Turns Ajv output into one sentence about the first offending field. */
export function describeValidation(errors: AjvError[], context: string | undefined): { message: string; field: string } {
  const first = errors[0]!;
  const field = fieldOf(first) || context || 'body';
  const where = context === 'querystring' ? 'query parameter' : context === 'params' ? 'path parameter' : 'field';
  const sameField = errors.filter((e) => e.instancePath === first.instancePath);
  const allowed = sameField.filter((e) => e.keyword === 'const').map((e) => JSON.stringify(e.params.allowedValue));
  let message: string;
  if (first.keyword === 'required') message = `${where} '${field}' is required`;
  else if (first.keyword === 'additionalProperties') message = `unknown ${where} '${field}': remove it (see /openapi.json for the accepted fields)`;
  else if (allowed.length > 0) message = `${where} '${field}' must be one of ${allowed.join(', ')}`;
  else if (first.keyword === 'type') message = `${where} '${field}' must be ${String(first.params.type).replace(/^integer$/, 'a whole number')}`;
  else message = `${where} '${field}' ${first.message ?? 'is invalid'}`;
  return { message, field };
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    let status: number;
    let body: ErrorBody;
    if (err instanceof TandemError) {
      status = err.httpStatus;
      body = { error: { code: err.code, message: err.message, ...(err.field !== undefined ? { field: err.field } : {}) } };
    } else if (err.validation) {
      const d = describeValidation(err.validation as unknown as AjvError[], err.validationContext);
      status = 400;
      body = { error: { code: 'VALIDATION', message: d.message, field: d.field } };
    } else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      status = err.statusCode;
      body = { error: { code: status === 400 ? 'VALIDATION' : status === 404 ? 'NOT_FOUND' : `HTTP_${status}`, message: err.message } };
    } else {
      request.log.error({ err }, 'unhandled error in API handler');
      status = 500;
      body = { error: { code: 'INTERNAL', message: `internal error: ${err.message}` } };
    }
    void reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({
      error: { code: 'NOT_FOUND', message: `no such API route: ${request.method} ${request.url.split('?')[0]} (see /openapi.json)` },
    } satisfies ErrorBody);
  });
}
