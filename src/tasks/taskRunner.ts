// The in-process job runner: a FIFO of due task ids worked off with a concurrency limit, plus
// timers for tasks whose retry is not due yet. Every state change goes through TaskStore
// (conditional writes) and is then published.
import { randomUUID } from 'node:crypto';
import type { RetryPolicy } from '../config.js';
import type { EventBus } from '../events/eventBus.js';
import type { Logger } from '../logger.js';
import { asTaskFailure, failureDetail, type ProcessorOutcome, type Processors, type TaskFailureInfo } from './processor.js';
import { ProgressReporter } from './progressReporter.js';
import { backoffMs, shouldRetry } from './retryPolicy.js';
import type { TaskStore } from './taskStore.js';
import type { TaskView } from './taskTypes.js';

export interface TaskRunnerOptions {
  store: TaskStore;
  events: EventBus;
  processors: Processors;
  concurrency: number;
  progressIntervalMs: number;
  retry: RetryPolicy;
  logger: Logger;
  /**
   * How often the runner reconciles with the database: queues PENDING tasks it does not know
   * (a run that crashed on a database error) and releases RUNNING tasks of its own that no
   * run holds. Default 5 s.
   */
  sweepIntervalMs?: number;
}

/** Why a run's AbortSignal fired. */
export class StopReason extends Error {
  constructor(readonly kind: 'cancel' | 'shutdown') {
    super(kind === 'cancel' ? 'task cancelled' : 'server stopping');
  }
}

const internalFailure: TaskFailureInfo = { code: 'INTERNAL', message: 'The task failed because of an internal error.', retryable: false };
const interruptedFailure: TaskFailureInfo = {
  code: 'INTERRUPTED',
  message: 'The task was interrupted (the server stopped abruptly or lost it) after using all its attempts.',
  retryable: false,
};
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

export class TaskRunner {
  /** Identifies this process as the owner of the tasks it runs. */
  readonly ownerId = randomUUID();
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly delayed = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Run>();
  private accepting = false;
  private sweeper: NodeJS.Timeout | null = null;
  private stopBegan!: () => void;
  /** Resolves when stop() is first called. */
  private readonly stopping = new Promise<void>((resolve) => (this.stopBegan = resolve));

  constructor(private readonly options: TaskRunnerOptions) {}

  /**
   * Recovers what a previous process left (only one runner uses a database at a time, see
   * app.ts): a task left RUNNING is cancelled if that was asked for, failed as INTERRUPTED if
   * it has used all its attempts (so a task that kills the server cannot do so forever), and
   * otherwise goes back to PENDING. Then every PENDING task is queued in creation order.
   */
  async start(): Promise<void> {
    const { store, logger, retry } = this.options;
    for (const { id, attempts } of await store.running()) {
      const task = await this.recover(id, attempts, null);
      logger.warn('recovered a task left running by a previous process', { taskId: id, status: task?.status });
    }
    this.accepting = true;
    for (const { id, runAfter } of await store.pending()) this.enqueue(id, runAfter);
    this.sweeper = setInterval(() => {
      this.sweep().catch((error: unknown) => logger.error('runner sweep failed', { error }));
    }, this.options.sweepIntervalMs ?? 5000);
    this.sweeper.unref();
  }

  /**
   * A task left RUNNING with no run behind it: cancelled if that was asked for, failed as
   * INTERRUPTED once it has used all its attempts (so a task that kills the server, or whose
   * result can never be stored, cannot loop forever), otherwise back to PENDING.
   */
  private async recover(id: string, attempts: number, owner: string | null): Promise<TaskView | null> {
    const { store, retry } = this.options;
    const task = (await store.cancelRunning(id, owner))
      ?? (attempts >= retry.maxAttempts ? await store.fail(id, owner, interruptedFailure) : await store.requeue(id, owner));
    return this.publish(task);
  }

  /** Heals what a failed database write left behind (see sweepIntervalMs). */
  async sweep(): Promise<void> {
    const { store } = this.options;
    for (const { id, attempts } of await store.running(this.ownerId)) {
      if (!this.running.has(id)) await this.recover(id, attempts, this.ownerId);
    }
    for (const { id, runAfter } of await store.pending()) this.enqueue(id, runAfter);
  }

  get isAccepting(): boolean {
    return this.accepting;
  }

  enqueue(taskId: string, runAfter: Date | null = null): void {
    if (!this.accepting || this.queued.has(taskId) || this.running.has(taskId) || this.delayed.has(taskId)) return;
    const wait = runAfter ? runAfter.getTime() - Date.now() : 0;
    if (wait > 0) {
      // A few ms late rather than early: the claim refuses a task that is not due yet.
      const timer = setTimeout(() => {
        this.delayed.delete(taskId);
        this.enqueue(taskId);
      }, wait + 5);
      this.delayed.set(taskId, timer);
      return;
    }
    this.queued.add(taskId);
    this.queue.push(taskId);
    this.pump();
  }

  /** Stops a task this process is running; false when it runs nowhere here. */
  cancel(taskId: string): boolean {
    const run = this.running.get(taskId);
    if (!run) return false;
    run.abort.abort(new StopReason('cancel'));
    return true;
  }

  /**
   * Stops taking work, gives running tasks `graceMs` to finish, then stops the rest and puts
   * them back to PENDING for the next start.
   */
  async stop(graceMs = 0): Promise<void> {
    this.accepting = false;
    this.stopBegan();
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    this.queue.length = 0;
    this.queued.clear();
    for (const timer of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    const all = () => Promise.all([...this.running.values()].map((run) => run.done));
    if (graceMs > 0 && this.running.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all(), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    }
    for (const run of this.running.values()) run.abort.abort(new StopReason('shutdown'));
    await all();
  }

  private pump(): void {
    while (this.accepting && this.running.size < this.options.concurrency && this.queue.length > 0) {
      const id = this.queue.shift() as string;
      this.queued.delete(id);
      const abort = new AbortController();
      const done = this.run(id, abort.signal)
        .catch((error: unknown) => {
          // A database write failed for good; the sweep picks the task up again.
          this.options.logger.error('task run crashed', { taskId: id, error });
          return null;
        })
        .then((retryAt) => {
          this.running.delete(id);
          if (retryAt) this.enqueue(id, retryAt);
          this.pump();
        });
      this.running.set(id, { abort, done });
    }
  }

  private publish(task: TaskView | null): TaskView | null {
    if (task) this.options.events.publish(task);
    return task;
  }

  /**
   * A state change worth several tries over about half a minute (a database failover), so a
   * finished render is stored rather than done again. If a retry finds the task moved on, the
   * earlier try may have committed with its reply lost: the stored state is published then.
   */
  private async persist(taskId: string, write: () => Promise<TaskView | null>): Promise<TaskView | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        const task = await write();
        return this.publish(task ?? (attempt > 1 ? await this.options.store.find(taskId) : null));
      } catch (error) {
        if (attempt >= persistTries) throw error;
        this.options.logger.warn('writing a task state failed; trying again', { taskId, error, attempt });
        await sleep(Math.min(8000, 250 * 2 ** (attempt - 1)));
      }
    }
  }

  /** Runs one task; resolves with the time of its retry when it is to run again. */
  private async run(id: string, signal: AbortSignal): Promise<Date | null> {
    const { store, processors, progressIntervalMs } = this.options;
    const owner = this.ownerId;
    const task = this.publish(await store.claim(id, owner));
    if (!task) return null;
    const reporter = new ProgressReporter(task.stage, progressIntervalMs, async (progress, stage) => {
      this.publish(await store.updateProgress(id, owner, progress, stage));
    }, (error) => this.options.logger.warn('a progress update was not stored', { taskId: id, error }));
    const processor = processors[task.kind];
    let outcome: ProcessorOutcome;
    try {
      if (!processor) throw Object.assign(new Error(`no processor for ${task.kind}`), { code: 'UNSUPPORTED', retryable: false });
      outcome = await processor(task, { signal, progress: (fraction, stage) => reporter.report(fraction, stage) });
    } catch (error) {
      await reporter.close();
      return this.afterError(task, signal, error);
    }
    await reporter.close();
    // The work is done even if a stop came too late to prevent it: keep the result.
    await this.persist(id, () => store.succeed(id, owner, outcome));
    return null;
  }

  private async afterError(task: TaskView, signal: AbortSignal, error: unknown): Promise<Date | null> {
    const { store, logger, retry } = this.options;
    const owner = this.ownerId;
    if (signal.aborted) {
      // A cancel ends the task CANCELLED; a shutdown puts it back to PENDING, unless a cancel
      // was asked for meanwhile.
      const stopped = await this.persist(task.id, () => store.release(task.id, owner));
      logger.info('task stopped', { taskId: task.id, status: stopped?.status });
      return null;
    }
    const failure = asTaskFailure(error);
    if (!failure) logger.error('task failed unexpectedly', { taskId: task.id, error });
    const info = failure ?? internalFailure;
    if (failure) {
      // The task's error message is what clients see; the detail (paths, stderr, errno) is
      // only logged here.
      const fields = { taskId: task.id, attempts: task.attempts, code: info.code, retryable: info.retryable, message: info.message, detail: failureDetail(error) };
      if (info.retryable) logger.warn('task attempt failed', fields);
      else logger.error('task attempt failed', fields);
    }
    if (info.interruption && this.accepting) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.stopping, new Promise((resolve) => (timer = setTimeout(resolve, INTERRUPTION_SETTLE_MS)))]);
      clearTimeout(timer);
    }
    if (info.retryable && !this.accepting) {
      // Failed because the server is stopping (e.g. its ffmpeg got the service manager's
      // SIGTERM): back to PENDING like any task a shutdown stops, not a retry and not FAILED.
      const released = await this.persist(task.id, () => store.release(task.id, owner));
      logger.info('task stopped', { taskId: task.id, status: released?.status, code: info.code });
      return null;
    }
    if (shouldRetry(retry, task, info)) {
      const runAfter = new Date(Date.now() + backoffMs(retry, task.attempts));
      logger.info('task will be retried', { taskId: task.id, attempts: task.attempts, runAfter, code: info.code });
      if (await this.persist(task.id, () => store.scheduleRetry(task.id, owner, runAfter, info))) return runAfter;
      // Not rescheduled: a cancel was asked for while it failed.
      await this.persist(task.id, () => store.cancelRunning(task.id, owner));
      return null;
    }
    await this.persist(task.id, () => store.fail(task.id, owner, info));
    return null;
  }
}
