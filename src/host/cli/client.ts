/**
 * How `tandem-host paths | rescan | path remove` reach a running agent: its control
 * API URL from <dataDir>/api.json and the token from <dataDir>/api-token.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readApiEndpoint } from '../../api/api-files.js';
import { CliError, ExitCode, exitCodeForHttpStatus } from '../../cli/exit-codes.js';

export class HostApiClient {
  constructor(private readonly dataDir: string, private readonly fetchFn: typeof fetch = fetch) {}

  private async target(): Promise<{ url: string; token: string }> {
    const ep = await readApiEndpoint(this.dataDir);
    if (!ep) throw new CliError(ExitCode.Failure, `no running tandem-host agent found: ${join(this.dataDir, 'api.json')} is missing (start one with 'tandem-host up --config FILE', or pass --data-dir / --config)`);
    let token: string;
    try {
      token = (await readFile(join(this.dataDir, 'api-token'), 'utf8')).trim();
    } catch (err) {
      throw new CliError(ExitCode.Unauthorized, `cannot read the agent's token ${join(this.dataDir, 'api-token')}: ${(err as Error).message}`);
    }
    return { url: ep.url, token };
  }

  async call<T>(method: string, path: string): Promise<T> {
    const { url, token } = await this.target();
    let r: Response;
    try {
      r = await this.fetchFn(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
    } catch (err) {
      throw new CliError(ExitCode.Failure, `the tandem-host agent at ${url} does not answer (${(err as Error).message}); is 'tandem-host up' running?`);
    }
    const text = await r.text();
    const body = text ? (JSON.parse(text) as unknown) : undefined;
    if (!r.ok) {
      const msg = (body as { error?: { message?: string } } | undefined)?.error?.message ?? `HTTP ${r.status}`;
      throw new CliError(exitCodeForHttpStatus(r.status), msg);
    }
    return body as T;
  }
}
