// Runs tasks as the job engine hands them out (pg-boss, through JobSource): claims the task row
// for this run, calls its processor, and records the outcome. Every state change goes through
// TaskStore's conditional writes, fenced by the run's claim; the database announces each one.
import type { RetryPolicy } from '../config.js';
import type { EventBus } from '../events/eventBus.js';
import type { Logger } from '../logger.js';
import type { ClaimedJob, JobSource } from '../queue/jobQueue.js';
import { inTaskSpan, noteTaskFailure } from '../telemetry/taskTracing.js';
import { asTaskFailure, failureDetail, TaskFailure, type ProcessorOutcome, type Processors, type TaskFailureInfo } from './processor.js';
import { ProgressReporter } from './progressReporter.js';
import { backoffMs, shouldRetry } from './retryPolicy.js';
import type { ClaimFrom, TaskStore } from './taskStore.js';
import { isTerminal, type TaskView } from './taskTypes.js';

export interface TaskWorkerOptions {
  store: TaskStore;
  events: EventBus;
  jobs: JobSource;
  processors: Processors;
  /** Tasks this process runs at once. */
  concurrency: number;
  progressIntervalMs: number;
  retry: RetryPolicy;
  logger: Logger;
}

/** Why a run's AbortSignal fired. */
export class StopReason extends Error {
  constructor(readonly kind: 'cancel' | 'shutdown' | 'lost') {
    super({ cancel: 'task cancelled', shutdown: 'server stopping', lost: 'the job engine gave the task to another run' }[kind]);
  }
}

/** The job was taken while this process stopped: the engine gives it to another worker. */
class NotTakingWork extends Error {}

const internalFailure: TaskFailureInfo = { code: 'INTERNAL', message: 'The task failed because of an internal error.', retryable: false };
const interruptedFailure: TaskFailureInfo = {
  code: 'INTERRUPTED',
  message: 'The task was interrupted (the server stopped abruptly or lost it) after using all its attempts.',
  retryable: false,
};
/** Every line about a task names it and its caller. */
function taskLogger(logger: Logger, task: Pick<TaskView, 'id' | 'callerId'>): Logger {
  return logger.child({ taskId: task.id, callerId: task.callerId });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * How long an interrupted run waits for this process's own stop to begin before it schedules
 * a retry. systemd's stop signals ffmpeg and node together; ffmpeg usually loses the race
 * (it first finishes its file), but not always.
 */
const INTERRUPTION_SETTLE_MS = 1000;
/** 0.25 + 0.5 + 1 + 2 + 4 + 8 + 8 s between tries: about 24 s. */
const persistTries = 8;

interface Run {
  abort: AbortController;
  done: Promise<void>;
}

export class TaskWorker {
  /** By job attempt: after a fail-over inside this process, the old run and the new one are both here. */
  private readonly runs = new Map<string, Run>();
  private accepting = false;
  private stopBegan!: () => void;
  /** Resolves when stop() is first called. */
  private readonly stopping = new Promise<void>((resolve) => (this.stopBegan = resolve));

  constructor(private readonly options: TaskWorkerOptions) {}

  async start(): Promise<void> {
    this.accepting = true;
    await this.options.jobs.work(this.options.concurrency, (job) => this.handle(job));
  }

  get isAccepting(): boolean {
    return this.accepting;
  }

  /**
   * Takes no more jobs, gives running tasks `graceMs` to finish, then stops the rest and puts
   * them back to PENDING, each with a new job that any worker may take.
   */
  async stop(graceMs = 0): Promise<void> {
    if (!this.accepting && this.runs.size === 0) return;
    this.accepting = false;
    this.stopBegan();
    await this.options.jobs.stopTaking();
    const all = () => Promise.all([...this.runs.values()].map((run) => run.done));
    if (graceMs > 0 && this.runs.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all(), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    }
    for (const run of this.runs.values()) run.abort.abort(new StopReason('shutdown'));
    await all();
  }

  /** One job: resolves when the job is done with; throws to have the engine retry it later. */
  private async handle(job: ClaimedJob): Promise<void> {
    // Thrown, not returned: a job that completed without running would leave its task PENDING for ever.
    if (!this.accepting) throw new NotTakingWork('this worker is stopping');
    const abort = new AbortController();
    const stopOnCancel = this.options.events.onChange(job.taskId, (change) => {
      if (change.cancelRequested) abort.abort(new StopReason('cancel'));
    });
    const onLost = () => abort.abort(new StopReason('lost'));
    job.signal.addEventListener('abort', onLost, { once: true });
    const claimId = `${job.id}:${job.retryCount}`;
    const done = this.claimAndRun(job, claimId, abort).finally(() => {
      stopOnCancel();
      job.signal.removeEventListener('abort', onLost);
      this.runs.delete(claimId);
    });
    this.runs.set(claimId, { abort, done: done.catch(() => undefined) });
    await done;
  }

  private async claimAndRun(job: ClaimedJob, claimId: string, abort: AbortController): Promise<void> {
    const { store, retry, logger } = this.options;
    // The usual case, in one statement: the task waits for this very job.
    const queued = await store.claim(job.taskId, job.id, claimId, { status: 'PENDING' });
    if (queued) return this.runTraced(queued, claimId, abort);
    // A claim fails when the task moved between the read and the write (a cancel): read again.
    for (let round = 0; round < 5; round++) {
      const current = await store.findRow(job.taskId);
      // Gone, finished, or superseded by a newer job (requeued after a stop): nothing to do.
      if (!current || current.jobId !== job.id || isTerminal(current.status)) return;
      let from: ClaimFrom = { status: 'PENDING' };
      if (current.status === 'RUNNING') {
        // The engine handed this job out again: the run that held it stopped answering (killed,
        // or its heartbeat lapsed). Take the task over, cancel it, or give up on a crash loop.
        const log = taskLogger(logger, current);
        if (current.cancelRequestedAt) {
          await this.persist(log, () => store.cancelRunning(current.id, current.claimId));
          return;
        }
        if (current.attempts >= retry.maxAttempts) {
          log.error({ attempts: current.attempts }, 'a task that keeps losing its worker has used all its attempts');
          await this.persist(log, () => store.fail(current.id, current.claimId, interruptedFailure));
          return;
        }
        log.warn({ attempts: current.attempts, previousClaim: current.claimId }, 'taking over a task whose run stopped answering');
        from = { status: 'RUNNING', claimId: current.claimId };
      }
      const task = await store.claim(current.id, job.id, claimId, from);
      if (task) return this.runTraced(task, claimId, abort);
    }
    throw new Error(`task ${job.taskId} kept changing while it was being claimed`);
  }

  /**
   * A state change worth several tries over about half a minute (a database failover), so a
   * finished render is stored rather than done again. A retry that finds the task moved on
   * means an earlier try committed with its reply lost, or the claim is lost: either way done.
   */
  private async persist(log: Logger, write: () => Promise<TaskView | null>): Promise<TaskView | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        if (attempt >= persistTries) throw error;
        log.warn({ err: error, attempt }, 'writing a task state failed; trying again');
        await sleep(Math.min(8000, 250 * 2 ** (attempt - 1)));
      }
    }
  }

  /** One attempt, in a span of the trace of the request that created the task (when tracing is on). */
  private runTraced(task: TaskView, claimId: string, abort: AbortController): Promise<void> {
    return inTaskSpan(task, () => this.run(task, claimId, abort));
  }

  private async run(task: TaskView, claimId: string, abort: AbortController): Promise<void> {
    const { store, processors, progressIntervalMs } = this.options;
    const logger = taskLogger(this.options.logger, task);
    const id = task.id;
    const signal = abort.signal;
    const reporter = new ProgressReporter(task.stage, progressIntervalMs, async (progress, stage) => {
      const written = await store.updateProgress(id, claimId, progress, stage);
      // Besides the announcement: a cancel whose notification was lost (the events connection
      // was down) is still seen at the next progress write.
      if (written?.cancelRequestedAt) abort.abort(new StopReason('cancel'));
    }, (error) => logger.warn({ err: error }, 'a progress update was not stored'));
    const processor = processors[task.kind];
    logger.info({ kind: task.kind, attempts: task.attempts }, 'task started');
    let outcome: ProcessorOutcome;
    try {
      if (!processor) throw Object.assign(new Error(`no processor for ${task.kind}`), { code: 'UNSUPPORTED', retryable: false });
      outcome = await processor(task, {
        signal,
        progress: (fraction, stage) => reporter.report(fraction, stage),
        ensureCurrent: async () => {
          let current: TaskView | null;
          try {
            current = await this.persist(logger, () => store.findRow(id));
          } catch {
            // The database is out of reach: the finished work cannot be stored now anyway.
            throw new TaskFailure('UNAVAILABLE', 'The database did not answer when the result was ready; the task will be tried again.', true);
          }
          if (current?.claimId === claimId && current.status === 'RUNNING') return;
          abort.abort(new StopReason('lost'));
          throw new StopReason('lost');
        },
      });
    } catch (error) {
      await reporter.close();
      return this.afterError(task, claimId, signal, error, logger);
    }
    await reporter.close();
    // The work is done even if a stop came too late to prevent it: keep the result.
    const stored = await this.persist(logger, () => store.succeed(id, claimId, outcome.store?.bind(outcome)));
    if (stored) logger.info({ status: stored.status }, 'task finished');
    else logger.warn('a finished run lost its task to another run; its result is dropped');
  }

  private async afterError(task: TaskView, claimId: string, signal: AbortSignal, error: unknown, logger: Logger): Promise<void> {
    const { store, retry } = this.options;
    if (signal.aborted) {
      const reason: unknown = signal.reason;
      if (reason instanceof StopReason && reason.kind === 'lost') {
        // Another run has the task now; our writes would be refused anyway.
        logger.warn('task run stopped: its job was given to another run');
        return;
      }
      // A cancel ends the task CANCELLED; a shutdown puts it back to PENDING, unless a cancel
      // was asked for meanwhile.
      const stopped = await this.persist(logger, () => store.release(task.id, claimId));
      logger.info({ status: stopped?.status }, 'task stopped');
      return;
    }
    const failure = asTaskFailure(error);
    if (!failure) logger.error({ err: error }, 'task failed unexpectedly');
    const info = failure ?? internalFailure;
    noteTaskFailure(info);
    if (failure) {
      // The task's error message is what clients see; the detail (paths, stderr, errno) is
      // only logged here.
      const fields = { attempts: task.attempts, code: info.code, retryable: info.retryable, message: info.message, detail: failureDetail(error) };
      if (info.retryable) logger.warn(fields, 'task attempt failed');
      else logger.error(fields, 'task attempt failed');
    }
    if (info.interruption && this.accepting) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.stopping, new Promise((resolve) => (timer = setTimeout(resolve, INTERRUPTION_SETTLE_MS)))]);
      clearTimeout(timer);
    }
    if (info.retryable && !this.accepting) {
      // Failed because the server is stopping (e.g. its ffmpeg got the service manager's
      // SIGTERM): back to PENDING like any task a shutdown stops, not a retry and not FAILED.
      const released = await this.persist(logger, () => store.release(task.id, claimId));
      logger.info({ status: released?.status, code: info.code }, 'task stopped');
      return;
    }
    if (shouldRetry(retry, task, info)) {
      const runAfter = new Date(Date.now() + backoffMs(retry, task.attempts));
      logger.info({ attempts: task.attempts, runAfter, code: info.code }, 'task will be retried');
      if (await this.persist(logger, () => store.scheduleRetry(task.id, claimId, runAfter, info))) return;
      // Not rescheduled: a cancel was asked for while it failed (or the claim is lost).
      await this.persist(logger, () => store.cancelRunning(task.id, claimId));
      return;
    }
    await this.persist(logger, () => store.fail(task.id, claimId, info));
  }
}
