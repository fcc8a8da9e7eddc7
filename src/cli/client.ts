/**
 * The CLI's only way to the array: HTTP to the management API (global fetch, or an
 * injected one in tests). Finds the URL and token from flags, environment, or the
 * data directory's api.json / api-token.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ACTOR_HEADER, API_ENDPOINT_FILE, API_TOKEN_FILE, type ErrorBody } from '../api/schemas.js';
import { CliError, ExitCode, exitCodeForHttpStatus } from './exit-codes.js';

export interface ClientSettings {
  dataDir: string;
  api?: string | undefined;
  token?: string | undefined;
  env: NodeJS.ProcessEnv;
  fetch: typeof fetch;
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

export class ApiClient {
  private resolved: { url: string; token: string | undefined; urlSource: string } | undefined;

  constructor(private readonly s: ClientSettings) {}

  private async resolve(): Promise<{ url: string; token: string | undefined; urlSource: string }> {
    if (this.resolved) return this.resolved;
    let url = this.s.api ?? this.s.env.TANDEM_API;
    let urlSource = this.s.api ? '--api' : 'TANDEM_API';
    if (!url) {
      const file = join(this.s.dataDir, API_ENDPOINT_FILE);
      const raw = await readText(file);
      let parsed: { url?: unknown } | undefined;
      try { parsed = raw ? (JSON.parse(raw) as { url?: unknown }) : undefined; } catch { parsed = undefined; }
      if (typeof parsed?.url !== 'string') {
        throw new CliError(ExitCode.Failure, `the array does not seem to be running: ${file} ${raw === undefined ? 'does not exist' : 'is unreadable'}. ` +
          `Start it with "tandem up --data-dir ${this.s.dataDir}", point --data-dir at its data directory, or pass --api URL`);
      }
      url = parsed.url;
      urlSource = file;
    }
    const token = this.s.token ?? this.s.env.TANDEM_TOKEN ?? (await readText(join(this.s.dataDir, API_TOKEN_FILE)));
    this.resolved = { url: url.replace(/\/+$/, ''), token: token || undefined, urlSource };
    return this.resolved;
  }

  /** Sends one request; returns the parsed JSON body (undefined for 204). Throws CliError on any failure. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const { url, token, urlSource } = await this.resolve();
    const headers: Record<string, string> = { [ACTOR_HEADER]: 'cli', accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.s.fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(ExitCode.Failure, `cannot reach the Tandem API at ${url} (from ${urlSource}): ${cause?.code ?? cause?.message ?? (err as Error).message}. ` +
        'Is the array running? Start it with "tandem up", or check --api / --data-dir');
    }
    const text = await res.text();
    let json: unknown;
    try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
    if (!res.ok) {
      const e = (json as Partial<ErrorBody> | undefined)?.error;
      let msg = e?.message ?? `HTTP ${res.status} from ${url}${path}`;
      if (res.status === 401) {
        msg += `. The CLI looked for the token in --token, TANDEM_TOKEN and ${join(this.s.dataDir, API_TOKEN_FILE)}`;
      }
      throw new CliError(exitCodeForHttpStatus(res.status), msg);
    }
    return json as T;
  }
}
