/**
 * How `tandem-host paths | rescan | path remove` reach a running agent: the shared API
 * client (lib/api-client.ts) with the URL from <dataDir>/api.json and the token from
 * <dataDir>/api-token (no flags, no environment), and hints that name `tandem-host up`.
 */
import { ApiClient } from '../../lib/api-client.js';

export function hostAgentClient(dataDir: string, fetchFn: typeof fetch): ApiClient {
  return new ApiClient({
    dataDir,
    env: {},
    fetch: fetchFn,
    wording: {
      who: 'tandem-host',
      noEndpoint: (file) => `no running tandem-host agent found: ${file} is missing (start one with 'tandem-host up --config FILE', or pass --data-dir / --config)`,
      unreachable: ({ url, error }) => `the tandem-host agent at ${url} does not answer (${error.message}); is 'tandem-host up' running?`,
      unreadableToken: (file, error) => `cannot read the agent's token ${file}: ${error.message}`,
    },
  });
}
