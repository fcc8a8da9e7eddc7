/**
 * Checkers for messages that cross the supervisor ↔ controller boundary: each one takes
 * an unknown value and returns it typed, or throws an IpcMessageError naming the field
 * ("trespass args.volumeId must be a string (got 42)"). Objects are checked field by
 * field; a field the message type does not have is refused, and what comes out carries
 * only the checked fields. A checker is typed against the interface it stands for
 * (`const x: Check<VolumeRecord> = object({...})`), so the two cannot drift apart.
 */
import { TandemError } from '../../lib/errors.js';

/** A malformed IPC message: which field, and what was wrong with it. */
export class IpcMessageError extends TandemError {
  constructor(message: string, field?: string) {
    super(IPC_BAD_MESSAGE, 500, message, field);
  }
}
export const IPC_BAD_MESSAGE = 'IPC_BAD_MESSAGE';

export type Check<T> = (value: unknown, at: string) => T;

/** Marks an object field that may be absent. */
export interface Optional<T> {
  readonly optional: Check<T>;
}

type Field = Check<unknown> | Optional<unknown>;
type Shape = Record<string, Field>;
type Required_<S extends Shape> = { [K in keyof S as S[K] extends Optional<unknown> ? never : K]: S[K] extends Check<infer T> ? T : never };
type Optional_<S extends Shape> = { [K in keyof S as S[K] extends Optional<unknown> ? K : never]?: S[K] extends Optional<infer T> ? T : never };
export type ObjectOf<S extends Shape> = { [K in keyof (Required_<S> & Optional_<S>)]: (Required_<S> & Optional_<S>)[K] };
export type Checked<C> = C extends Check<infer T> ? T : never;

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function refuse(at: string, want: string, got: unknown): never {
  throw new IpcMessageError(`${at} must be ${want} (got ${show(got)})`, at);
}

export const string: Check<string> = (v, at) => (typeof v === 'string' ? v : refuse(at, 'a string', v));
export const boolean: Check<boolean> = (v, at) => (typeof v === 'boolean' ? v : refuse(at, 'true or false', v));
export const integer: Check<number> = (v, at) => (typeof v === 'number' && Number.isSafeInteger(v) ? v : refuse(at, 'a whole number', v));
export const scalar: Check<string | number | boolean> = (v, at) =>
  (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) ? v : refuse(at, 'a string, number or boolean', v));

/** No value: null (undefined travels as null). */
export const nothing: Check<void> = (v, at) => {
  if (v !== null && v !== undefined) refuse(at, 'empty', v);
};

export function oneOf<const T extends readonly (string | number)[]>(values: T): Check<T[number]> {
  return (v, at) => ((values as readonly unknown[]).includes(v) ? (v as T[number]) : refuse(at, `one of ${values.join(', ')}`, v));
}

export function array<T>(item: Check<T>): Check<T[]> {
  return (v, at) => (Array.isArray(v) ? v.map((x, i) => item(x, `${at}[${i}]`)) : refuse(at, 'a list', v));
}

export function record<T>(value: Check<T>): Check<Record<string, T>> {
  return (v, at) => {
    if (!isPlainObject(v)) refuse(at, 'an object', v);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, value(x, `${at}.${k}`)]));
  };
}

export function nullable<T>(c: Check<T>): Check<T | null> {
  return (v, at) => (v === null ? null : c(v, at));
}

export function optional<T>(c: Check<T>): Optional<T> {
  return { optional: c };
}

/** Every field of `shape` optional (a patch). */
export function partial<S extends Record<string, Check<unknown>>>(shape: S): { [K in keyof S]: Optional<Checked<S[K]>> } {
  return Object.fromEntries(Object.entries(shape).map(([k, c]) => [k, optional(c)])) as { [K in keyof S]: Optional<Checked<S[K]>> };
}

export function object<S extends Shape>(shape: S): Check<ObjectOf<S>> {
  return (v, at) => {
    if (!isPlainObject(v)) refuse(at, 'an object', v);
    for (const k of Object.keys(v)) {
      if (!(k in shape) && v[k] !== undefined) throw new IpcMessageError(`${at}.${k} is not a field of this message`, `${at}.${k}`);
    }
    const out: Record<string, unknown> = {};
    for (const [k, f] of Object.entries(shape)) {
      if (typeof f === 'function') out[k] = f(v[k], `${at}.${k}`);
      else if (v[k] !== undefined) out[k] = f.optional(v[k], `${at}.${k}`);
    }
    return out as ObjectOf<S>;
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
