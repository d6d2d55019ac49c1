// The task store with the lifecycle counted: every state change goes through TaskStore's
// conditional writes, and a write that returns a task is one that happened (null: the task had
// moved on, nothing is counted). Counting here rather than in the worker or the services keeps
// the metrics out of their code and sees every path (retries, fail-overs, cancels, shutdowns).
import type { PrismaClient } from '../generated/prisma/client.js';
import type { TaskFailureInfo } from '../tasks/processor.js';
import type { TaskQueue } from '../queue/jobQueue.js';
import { TaskStore, type ClaimFrom, type StoredOutcome, type Tx } from '../tasks/taskStore.js';
import type { TaskView } from '../tasks/taskTypes.js';
import { secondsBetween, type TaskMetrics, type TaskOutcome } from './taskMetrics.js';

export class ObservedTaskStore extends TaskStore {
  constructor(prisma: PrismaClient, queue: TaskQueue, private readonly metrics: TaskMetrics) {
    super(prisma, queue);
  }

  // Creations are counted once committed, not at the insert: its transaction may still roll back
  // (a deletion of a video being deleted already, the loser of a race on one Idempotency-Key).
  override committed(task: TaskView): void {
    this.metrics.created.inc({ kind: task.kind });
  }

  override async claim(id: string, jobId: string, claimId: string, from: ClaimFrom): Promise<TaskView | null> {
    const task = await super.claim(id, jobId, claimId, from);
    if (!task) return null;
    if (from.status === 'RUNNING') this.metrics.failovers.inc({ kind: task.kind });
    if (task.attempts === 1 && task.startedAt) this.metrics.queueWait.observe({ kind: task.kind }, secondsBetween(task.createdAt, task.startedAt));
    return task;
  }

  override async succeed(id: string, claimId: string, store?: (tx: Tx) => Promise<StoredOutcome | void>): Promise<TaskView | null> {
    return this.finished(await super.succeed(id, claimId, store), 'succeeded');
  }

  override async fail(id: string, claimId: string | null, failure: TaskFailureInfo): Promise<TaskView | null> {
    return this.finished(await super.fail(id, claimId, failure), 'failed');
  }

  override async scheduleRetry(id: string, claimId: string, runAfter: Date, failure: TaskFailureInfo): Promise<TaskView | null> {
    const task = await super.scheduleRetry(id, claimId, runAfter, failure);
    if (task) this.metrics.retries.inc({ kind: task.kind });
    return task;
  }

  override async cancelPending(id: string): Promise<TaskView | null> {
    const task = await super.cancelPending(id);
    if (task) this.metrics.cancels.inc({ kind: task.kind });
    return this.finished(task, 'cancelled');
  }

  override async requestCancel(id: string): Promise<TaskView | null> {
    const task = await super.requestCancel(id);
    if (task) this.metrics.cancels.inc({ kind: task.kind });
    return task;
  }

  override async cancelRunning(id: string, claimId: string | null): Promise<TaskView | null> {
    return this.finished(await super.cancelRunning(id, claimId), 'cancelled');
  }

  private finished(task: TaskView | null, outcome: TaskOutcome): TaskView | null {
    if (!task) return null;
    const labels = { kind: task.kind, outcome };
    this.metrics.finished.inc(labels);
    this.metrics.duration.observe(labels, secondsBetween(task.createdAt, task.finishedAt ?? new Date()));
    return task;
  }
}
