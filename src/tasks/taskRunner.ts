// The in-process job runner: a FIFO of task ids worked off with a concurrency limit.
// Every state change is written conditionally (see TaskStore) and then published.
import { randomUUID } from 'node:crypto';
import type { EventBus } from '../events/eventBus.js';
import type { Logger } from '../logger.js';
import { asTaskFailure, type Processors } from './processor.js';
import { ProgressReporter } from './progressReporter.js';
import type { TaskStore } from './taskStore.js';
import type { TaskView } from './taskTypes.js';

export interface TaskRunnerOptions {
  store: TaskStore;
  events: EventBus;
  processors: Processors;
  concurrency: number;
  progressIntervalMs: number;
  logger: Logger;
}

export class TaskRunner {
  /** Identifies this process as the owner of the tasks it runs. */
  readonly ownerId = randomUUID();
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private accepting = false;

  constructor(private readonly options: TaskRunnerOptions) {}

  /**
   * Recovers what a previous process left: tasks RUNNING when it died go back to PENDING,
   * then every PENDING task is queued in creation order.
   */
  async start(): Promise<void> {
    const { store, logger } = this.options;
    const recovered = await store.requeueAllRunning();
    if (recovered > 0) logger.warn('requeued tasks left running by a previous process', { count: recovered });
    this.accepting = true;
    for (const id of await store.pendingIds()) this.enqueue(id);
  }

  enqueue(taskId: string): void {
    if (!this.accepting || this.queued.has(taskId) || this.running.has(taskId)) return;
    this.queued.add(taskId);
    this.queue.push(taskId);
    this.pump();
  }

  /** Stops taking work, aborts running tasks and puts them back to PENDING for the next start. */
  async stop(): Promise<void> {
    this.accepting = false;
    this.queue.length = 0;
    this.queued.clear();
    const runs = [...this.running.values()];
    for (const run of runs) run.abort.abort(new Error('server stopping'));
    await Promise.all(runs.map((run) => run.done));
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
        .catch((error: unknown) => this.options.logger.error('task run crashed', { taskId: id, error }))
        .finally(() => {
          this.running.delete(id);
          this.pump();
        });
      this.running.set(id, { abort, done });
    }
  }

  private publish(task: TaskView | null): void {
    if (task) this.options.events.publish(task);
  }

  private async run(id: string, signal: AbortSignal): Promise<void> {
    const { store, processors, logger, progressIntervalMs } = this.options;
    const task = await store.claim(id, this.ownerId);
    if (!task) return;
    this.publish(task);
    const reporter = new ProgressReporter(task.stage, progressIntervalMs, async (progress, stage) => {
      this.publish(await store.updateProgress(id, progress, stage));
    });
    const processor = processors[task.kind];
    try {
      if (!processor) throw Object.assign(new Error(`no processor for ${task.kind}`), { code: 'UNSUPPORTED', retryable: false });
      const outcome = await processor(task, { signal, progress: (fraction, stage) => reporter.report(fraction, stage) });
      await reporter.close();
      if (signal.aborted) return this.publish(await store.requeue(id));
      this.publish(await store.succeed(id, outcome.video));
    } catch (error) {
      await reporter.close();
      if (signal.aborted) {
        logger.info('task interrupted; back to PENDING', { taskId: id });
        return this.publish(await store.requeue(id));
      }
      const failure = asTaskFailure(error);
      if (!failure) logger.error('task failed unexpectedly', { taskId: id, error });
      this.publish(await store.fail(id, failure ?? { code: 'INTERNAL', message: 'The task failed because of an internal error.', retryable: false }));
    }
  }
}
