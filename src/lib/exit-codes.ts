/**
 * Exit codes of both command lines, `tandem` and `tandem-host` (stable; scripts depend
 * on them).
 *
 *   0  success
 *   1  failure: the API could not be reached (the message says whether the array or
 *      agent seems to be running and which URL was tried), or it reported an internal error
 *   2  usage error: unknown command or option, missing argument, a value that does not
 *      parse (e.g. --size 10X), or a request the API rejected as invalid (HTTP 400)
 *   3  not found (HTTP 404): the named volume, host, group, mapping or path does not exist
 *   4  conflict (HTTP 409): e.g. the name is taken, the volume is still mapped, or the
 *      path is the last one
 *   5  unauthorized (HTTP 401): missing or wrong API token
 */
export const ExitCode = {
  Ok: 0,
  Failure: 1,
  Usage: 2,
  NotFound: 3,
  Conflict: 4,
  Unauthorized: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error a CLI reports as one line on stderr and turns into an exit code. */
export class CliError extends Error {
  constructor(readonly exitCode: ExitCode, message: string) {
    super(message);
    this.name = 'CliError';
  }
}

export function exitCodeForHttpStatus(status: number): ExitCode {
  switch (status) {
    case 400: return ExitCode.Usage;
    case 401: return ExitCode.Unauthorized;
    case 404: return ExitCode.NotFound;
    case 409: return ExitCode.Conflict;
    default: return ExitCode.Failure;
  }
}
