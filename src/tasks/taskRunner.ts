// The in-process job runner: a FIFO of due task ids worked off with a concurrency limit, plus
// timers for tasks whose retry is not due yet. Every state change goes through TaskStore
// (conditional writes) and is then published.
import { randomUUID } from 'node:crypto';
import type { RetryPolicy } from '../config.js';
import type { EventBus } from '../events/eventBus.js';
import type { Logger } from '../logger.js';
import { asTaskFailure, type Processors, type TaskFailureInfo } from './processor.js';
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
}

/** Why a run's AbortSignal fired. */
export class StopReason extends Error {
  constructor(readonly kind: 'cancel' | 'shutdown') {
    super(kind === 'cancel' ? 'task cancelled' : 'server stopping');
  }
}

const internalFailure: TaskFailureInfo = { code: 'INTERNAL', message: 'The task failed because of an internal error.', retryable: false };

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

  constructor(private readonly options: TaskRunnerOptions) {}

  /** Recovers what a previous process left, then queues every PENDING task in creation order. */
  async start(): Promise<void> {
    const { store, logger } = this.options;
    const recovered = await store.recoverRunning();
    if (recovered.requeued + recovered.cancelled > 0) logger.warn('recovered tasks left running by a previous process', recovered);
    this.accepting = true;
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

  get activeCount(): number {
    return this.running.size;
  }

  private pump(): void {
    while (this.accepting && this.running.size < this.options.concurrency && this.queue.length > 0) {
      const id = this.queue.shift() as string;
      this.queued.delete(id);
      const abort = new AbortController();
      const done = this.run(id, abort.signal)
        .catch((error: unknown) => {
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

  /** Runs one task; resolves with the time of its retry when it is to run again. */
  private async run(id: string, signal: AbortSignal): Promise<Date | null> {
    const { store, processors, progressIntervalMs } = this.options;
    const task = this.publish(await store.claim(id, this.ownerId));
    if (!task) return null;
    const reporter = new ProgressReporter(task.stage, progressIntervalMs, async (progress, stage) => {
      this.publish(await store.updateProgress(id, progress, stage));
    });
    const processor = processors[task.kind];
    try {
      if (!processor) throw Object.assign(new Error(`no processor for ${task.kind}`), { code: 'UNSUPPORTED', retryable: false });
      const outcome = await processor(task, { signal, progress: (fraction, stage) => reporter.report(fraction, stage) });
      await reporter.close();
      // The work is done even if a stop came too late to prevent it: keep the result.
      this.publish(await store.succeed(id, outcome));
      return null;
    } catch (error) {
      await reporter.close();
      return this.afterError(task, signal, error);
    }
  }

  private async afterError(task: TaskView, signal: AbortSignal, error: unknown): Promise<Date | null> {
    const { store, logger, retry } = this.options;
    if (signal.aborted) {
      const reason = signal.reason instanceof StopReason ? signal.reason.kind : 'shutdown';
      logger.info(reason === 'cancel' ? 'task cancelled' : 'task interrupted; back to PENDING', { taskId: task.id });
      this.publish(reason === 'cancel' ? await store.cancelRunning(task.id) : await store.requeue(task.id));
      return null;
    }
    const failure = asTaskFailure(error);
    if (!failure) logger.error('task failed unexpectedly', { taskId: task.id, error });
    const info = failure ?? internalFailure;
    if (shouldRetry(retry, task.attempts, info.retryable)) {
      const runAfter = new Date(Date.now() + backoffMs(retry, task.attempts));
      logger.info('task will be retried', { taskId: task.id, attempts: task.attempts, runAfter, code: info.code });
      return this.publish(await store.scheduleRetry(task.id, runAfter, info)) ? runAfter : null;
    }
    this.publish(await store.fail(task.id, info));
    return null;
  }
}
