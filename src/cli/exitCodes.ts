// What `longrun` exits with, so scripts can tell a failed render from a refused request.
export const ExitCode = {
  ok: 0,
  /** The task ended FAILED, or a local failure (the output file could not be written). */
  failed: 1,
  /** A bad command line (unknown option, missing argument, a file that would be overwritten). */
  usage: 2,
  /** The task ended CANCELLED. */
  taskCancelled: 3,
  /** The server refused the request (a problem+json or GraphQL error: 4xx, 5xx, UNAUTHENTICATED…). */
  refused: 4,
  /** The server could not be reached, or the connection was lost. */
  unreachable: 5,
  /** Ctrl-C while watching: the task goes on without us. */
  interrupted: 130,
  /** stdout was closed by its reader (`| head -1`): 128 + SIGPIPE, as a shell reports a pipe's writer killed by it. */
  outputClosed: 141,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the CLI reports as it is (no stack trace) and exits with its code. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: ExitCodeValue, readonly details: string[] = []) {
    super(message);
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, ExitCode.usage);
}
