/**
 * `tandem`'s way to the array: the shared API client (lib/api-client.ts) with the URL
 * from --api / TANDEM_API / <dataDir>/api.json, the token from --token / TANDEM_TOKEN /
 * <dataDir>/api-token, and hints that name those flags and `tandem up`.
 */
import { ApiClient } from '../lib/api-client.js';

export interface ArrayClientSettings {
  dataDir: string;
  api?: string | undefined;
  token?: string | undefined;
  env: NodeJS.ProcessEnv;
  fetch: typeof fetch;
}

export function arrayApiClient(s: ArrayClientSettings): ApiClient {
  return new ApiClient({
    dataDir: s.dataDir,
    env: s.env,
    fetch: s.fetch,
    actor: 'cli',
    url: { flag: { name: '--api', value: s.api }, envVar: 'TANDEM_API' },
    token: { flag: { name: '--token', value: s.token }, envVar: 'TANDEM_TOKEN' },
    wording: {
      who: 'The CLI',
      noEndpoint: (file, problem) => `the array does not seem to be running: ${file} ${problem}. ` +
        `Start it with "tandem up --data-dir ${s.dataDir}", point --data-dir at its data directory, or pass --api URL`,
      unreachable: ({ url, from, reason }) => `cannot reach the Tandem API at ${url} (from ${from}): ${reason}. ` +
        'Is the array running? Start it with "tandem up", or check --api / --data-dir',
    },
  });
}
