/**
 * What a local client and a Tandem API server (the array's management API and the
 * tandem-host agent's control API) agree on besides the request schemas: the files in
 * the data directory that say where the API listens and which token it wants, the
 * header a client names itself with, and the shape of every error response.
 */

/** `<dataDir>/api-token`: the bearer token (mode 0600). */
export const API_TOKEN_FILE = 'api-token';
/** `<dataDir>/api.json`: `{ url, pid, startedAt }`, written once the API listens. */
export const API_ENDPOINT_FILE = 'api.json';
/** Header a client may send to name itself in the event log ("... by cli"). */
export const ACTOR_HEADER = 'x-tandem-actor';

/** The body of every non-2xx answer. */
export interface ApiErrorBody {
  error: { code: string; message: string; field?: string };
}
