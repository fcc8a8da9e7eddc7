/**
 * The HTTP client both command lines share (`tandem` → the array's management API,
 * `tandem-host` → the host agent's control API): finds the API's URL and token, sends
 * one JSON request, and turns every failure into a CliError whose exit code follows
 * the HTTP status (lib/exit-codes.ts).
 *
 * Discovery: each setting is taken from the first of its command-line flag, its
 * environment variable and its file in the data directory (api.json, api-token) that
 * has a non-empty value. Failure semantics: a missing or unreadable api.json, a refused
 * or failed connection, and any non-2xx answer throw CliError before the caller sees a
 * body; on 401 the message says where the token was looked for. The token itself never
 * appears in a message.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ACTOR_HEADER, API_ENDPOINT_FILE, API_TOKEN_FILE, type ApiErrorBody } from './api-contract.js';
import { CliError, ExitCode, exitCodeForHttpStatus } from './exit-codes.js';

/** Where a setting may come from before its file: a flag (name for messages, and its value) and an environment variable. */
export interface Lookup {
  readonly flag?: { readonly name: string; readonly value: string | undefined };
  readonly envVar?: string;
}

/** What the endpoint file lacks: the file is absent, or it is not JSON with a string `url`. */
export type EndpointProblem = 'does not exist' | 'is unreadable';

/** Each CLI's own words for the failures that need a hint (flags, how to start the server). */
export interface ApiClientWording {
  /** No URL from flag or environment, and api.json is absent or unreadable (exit 1). */
  noEndpoint(file: string, problem: EndpointProblem): string;
  /** The request did not reach the API (exit 1); `reason` is the socket error code when there is one. */
  unreachable(p: { url: string; from: string; reason: string; error: Error }): string;
  /** The subject of the 401 hint: "<who> looked for the token in ...". */
  readonly who: string;
  /** When set, an api-token file that cannot be read (and no token from flag or environment) fails with exit 5 before any request. */
  unreadableToken?: (file: string, error: Error) => string;
}

export interface ApiClientOptions {
  dataDir: string;
  env: NodeJS.ProcessEnv;
  fetch: typeof fetch;
  wording: ApiClientWording;
  url?: Lookup | undefined;
  token?: Lookup | undefined;
  /** Sent in ACTOR_HEADER, so the server's event log names the client. */
  actor?: string | undefined;
}

interface Resolved {
  url: string;
  /** Where the URL came from: the flag's name, the variable's name or the file's path. */
  urlFrom: string;
  token: string | undefined;
}

type Found = { value: string; from: string } | { missing: string; error?: Error };

async function lookup(l: Lookup | undefined, env: NodeJS.ProcessEnv, file: string): Promise<Found> {
  if (l?.flag?.value) return { value: l.flag.value, from: l.flag.name };
  const v = l?.envVar ? env[l.envVar] : undefined;
  if (l?.envVar && v) return { value: v, from: l.envVar };
  try {
    return { value: (await readFile(file, 'utf8')).trim(), from: file };
  } catch (err) {
    return { missing: file, error: err as Error };
  }
}

/** "a", "a and b", "a, b and c". */
function listOf(names: string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

export class ApiClient {
  private resolved: Resolved | undefined;

  constructor(private readonly o: ApiClientOptions) {}

  private async resolve(): Promise<Resolved> {
    if (this.resolved) return this.resolved;
    const endpointFile = join(this.o.dataDir, API_ENDPOINT_FILE);
    const u = await lookup(this.o.url, this.o.env, endpointFile);
    let url: string;
    if ('missing' in u) {
      throw new CliError(ExitCode.Failure, this.o.wording.noEndpoint(endpointFile, 'does not exist'));
    } else if (u.from === endpointFile) {
      let parsed: { url?: unknown } | undefined;
      try { parsed = u.value ? (JSON.parse(u.value) as { url?: unknown }) : undefined; } catch { parsed = undefined; }
      if (typeof parsed?.url !== 'string') throw new CliError(ExitCode.Failure, this.o.wording.noEndpoint(endpointFile, 'is unreadable'));
      url = parsed.url;
    } else {
      url = u.value;
    }
    const tokenFile = join(this.o.dataDir, API_TOKEN_FILE);
    const t = await lookup(this.o.token, this.o.env, tokenFile);
    if ('missing' in t && this.o.wording.unreadableToken) {
      throw new CliError(ExitCode.Unauthorized, this.o.wording.unreadableToken(t.missing, t.error ?? new Error('no token')));
    }
    this.resolved = { url: url.replace(/\/+$/, ''), urlFrom: u.from, token: 'value' in t && t.value ? t.value : undefined };
    return this.resolved;
  }

  /** Sends one request; returns the parsed JSON body (undefined for 204 or a body that is not JSON). Throws CliError on any failure. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const { url, urlFrom, token } = await this.resolve();
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.o.actor) headers[ACTOR_HEADER] = this.o.actor;
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.o.fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch (err) {
      const error = err as Error;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(ExitCode.Failure, this.o.wording.unreachable({ url, from: urlFrom, reason: cause?.code ?? cause?.message ?? error.message, error }));
    }
    const text = await res.text();
    let json: unknown;
    try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
    if (!res.ok) {
      const e = (json as Partial<ApiErrorBody> | undefined)?.error;
      let msg = typeof e?.message === 'string' ? e.message : `HTTP ${res.status} from ${url}${path}`;
      if (res.status === 401) msg += `. ${this.o.wording.who} looked for the token in ${listOf(this.tokenPlaces())}`;
      throw new CliError(exitCodeForHttpStatus(res.status), msg);
    }
    return json as T;
  }

  private tokenPlaces(): string[] {
    const l = this.o.token;
    return [...(l?.flag ? [l.flag.name] : []), ...(l?.envVar ? [l.envVar] : []), join(this.o.dataDir, API_TOKEN_FILE)];
  }
}
