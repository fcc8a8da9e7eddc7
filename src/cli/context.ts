/** What every command action gets: the global options, an API client, and output helpers. */
import type { Command } from 'commander';
import type { ApiClient } from '../lib/api-client.js';
import { arrayApiClient } from './client.js';
import { CliError, ExitCode } from '../lib/exit-codes.js';
import { parseSize } from './units.js';

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  env: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
}

export interface GlobalOptions {
  dataDir: string;
  api?: string;
  token?: string;
  json?: boolean;
}

export class CliContext {
  readonly globals: GlobalOptions;
  readonly api: ApiClient;

  constructor(private readonly io: CliIo, cmd: Command) {
    this.globals = cmd.optsWithGlobals<GlobalOptions>();
    const f = io.fetch ?? globalThis.fetch;
    this.api = arrayApiClient({ dataDir: this.globals.dataDir, api: this.globals.api, token: this.globals.token, env: io.env, fetch: f });
  }

  get json(): boolean {
    return this.globals.json === true;
  }

  /** --json prints the API's data verbatim; otherwise the human rendering. */
  print(data: unknown, human: () => string): void {
    this.io.out(this.json ? JSON.stringify(data, null, 2) : human());
  }

  /** A one-line confirmation (or the data with --json). */
  done(data: unknown, message: string): void {
    this.print(data ?? { ok: true }, () => message);
  }
}

export function sizeOption(text: string, flag = '--size'): number {
  const n = parseSize(text);
  if (n === undefined || n <= 0) {
    throw new CliError(ExitCode.Usage, `${flag} '${text}' is not a size: use bytes or a number with K, M, G, T or P (binary units), e.g. 10G or 512M`);
  }
  return n;
}

export function intOption(text: string, flag: string, min: number, max: number): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < min || Number(text) > max) {
    throw new CliError(ExitCode.Usage, `${flag} '${text}' must be a whole number from ${min} to ${max}`);
  }
  return Number(text);
}

export const enc = encodeURIComponent;
