import type { StoredOutcome, Tx } from './taskStore.js';
import type { TaskKind, TaskView } from './taskTypes.js';

export interface ProcessorContext {
  /** Fires when the task must stop: cancelled, or the server is shutting down. */
  signal: AbortSignal;
  /** Reports progress as a fraction 0..1 and the current step; cheap to call often. */
  progress(fraction: number, stage?: string): void;
  /**
   * Resolves while this run still holds the task; otherwise stops the run (the signal fires) and
   * rejects. One read: for the moment before the work touches what another run may own.
   */
  ensureCurrent(): Promise<void>;
}

/** What a processor hands back when its work is done. */
export interface ProcessorOutcome {
  /**
   * Stores what the work produced (a video row), in the transaction that completes the task, so
   * both commit or neither does. The engine knows nothing of what is stored.
   */
  store?(tx: Tx): Promise<StoredOutcome | void>;
}

/**
 * Does the slow work of one task. Knows nothing of HTTP, GraphQL or the queue.
 * Expected failures are thrown as errors with a string `code` and a boolean `retryable`.
 */
export type Processor = (task: TaskView, context: ProcessorContext) => Promise<ProcessorOutcome>;

export type Processors = Partial<Record<TaskKind, Processor>>;

export interface TaskFailureInfo {
  code: string;
  /** Clients see it: no server paths, no tool output (put those in the error's `detail`). */
  message: string;
  retryable: boolean;
  /**
   * The work was stopped from outside (e.g. its child process got a signal we did not send).
   * A service manager stopping the whole cgroup signals the children and the server at once,
   * so the runner waits a moment for its own stop before deciding on a retry.
   */
  interruption?: boolean;
  /**
   * The environment ran out of something the operator can give back (the disk is full): the
   * task waits for it, retried beyond its attempt budget (RETRY_FULL_DISK_SECONDS).
   */
  resourceShortage?: boolean;
}

/** An expected failure a processor may throw. */
export class TaskFailure extends Error implements TaskFailureInfo {
  constructor(readonly code: string, message: string, readonly retryable = false) {
    super(message);
  }
}

export function asTaskFailure(error: unknown): TaskFailureInfo | null {
  if (!(error instanceof Error)) return null;
  const candidate = error as Error & { code?: unknown; retryable?: unknown; interruption?: unknown; resourceShortage?: unknown };
  if (typeof candidate.code !== 'string' || typeof candidate.retryable !== 'boolean') return null;
  return {
    code: candidate.code, message: error.message, retryable: candidate.retryable,
    ...(candidate.interruption === true ? { interruption: true } : {}),
    ...(candidate.resourceShortage === true ? { resourceShortage: true } : {}),
  };
}

/** The server-side detail an error carries for the log (paths, errno, tool output), if any. */
export function failureDetail(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('detail' in error)) return undefined;
  return typeof error.detail === 'string' ? error.detail : undefined;
}
