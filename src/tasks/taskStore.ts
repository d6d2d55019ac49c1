// Every statement that moves a task. Each is conditional on the task's current status, so a
// stale writer can never move a task backwards or touch a finished one; each bumps `version`.
import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError } from '../errors.js';
import type { Prisma, PrismaClient, Task } from '../generated/prisma/client.js';
import type { TaskQueue } from '../queue/jobQueue.js';
import { currentTraceContext } from '../telemetry/taskTracing.js';
import type { VideoRecord } from '../videos/videoTypes.js';
import type { TaskFailureInfo } from './processor.js';
import { terminalStatuses, type TaskKind, type TaskView } from './taskTypes.js';

export const withVideo = { video: true } as const;

/**
 * Writes do not `include` the video: with an include Prisma runs every write as a transaction
 * of five statements (BEGIN, the write, a re-read, a read of the video, COMMIT), without it one
 * (decision 0006). What a write returns serves its caller's decisions; clients get the task
 * re-read with its video (find, and the event bus).
 */
function view(task: Task): TaskView {
  return { ...task, video: null };
}

export type Tx = Prisma.TransactionClient;

export function isPrismaError(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/** Raised inside a transaction to roll it back when the task moved on meanwhile. */
class TaskMovedOn extends Error {}

/** Which state a run takes a task over from: a queued task, or one whose previous run died. */
export type ClaimFrom = { status: 'PENDING' } | { status: 'RUNNING'; claimId: string | null };

/** What a processor's own hook stored with the task's completion (see ProcessorOutcome.store). */
export interface StoredOutcome {
  videoId?: string;
}

export class TaskStore {
  constructor(readonly prisma: PrismaClient, private readonly queue: TaskQueue) {}

  /**
   * Creates a PENDING task of `callerId` and its job, in `tx` or in a transaction of its own.
   * `priority` orders the job among the others (see src/callers/admission.ts).
   */
  async insert(kind: TaskKind, input: Prisma.InputJsonValue, owner: { callerId: string; priority?: number }, tx?: Tx): Promise<TaskView> {
    const write = async (client: Tx) => {
      const jobId = randomUUID();
      // The creating request's trace (when tracing is on), so the task's runs join it.
      const trace = currentTraceContext();
      const task = await client.task.create({ data: { id: randomUUID(), callerId: owner.callerId, kind, input, jobId, ...trace } });
      await this.queue.enqueue(client, { jobId, taskId: task.id, priority: owner.priority ?? 0 });
      return view(task);
    };
    return tx ? write(tx) : this.prisma.$transaction(write);
  }

  /**
   * Told by TaskService once the transaction that inserted `task` has committed (never for an
   * idempotent replay): the insert alone may still be rolled back. Nothing to do here; the
   * metrics' store counts the creation.
   */
  committed(_task: TaskView): void {
    // Overridden by ObservedTaskStore.
  }

  find(id: string): Promise<TaskView | null> {
    return this.prisma.task.findUnique({ where: { id }, include: withVideo });
  }

  /** The task row alone, without its video (one statement instead of two). */
  async findRow(id: string): Promise<TaskView | null> {
    const task = await this.prisma.task.findUnique({ where: { id } });
    return task ? view(task) : null;
  }

  /**
   * Tasks with their videos. Prisma's `include` reads the videos with a second statement even
   * when no task has one; here that statement runs only for tasks that have a video.
   */
  async findMany(ids: string[]): Promise<TaskView[]> {
    const tasks = await this.prisma.task.findMany({ where: { id: { in: ids } } });
    const videoIds = tasks.flatMap((task) => (task.videoId ? [task.videoId] : []));
    const videos = videoIds.length > 0 ? await this.prisma.video.findMany({ where: { id: { in: videoIds } } }) : [];
    const byId = new Map(videos.map((video) => [video.id, video]));
    return tasks.map((task) => ({ ...task, video: task.videoId ? byId.get(task.videoId) ?? null : null }));
  }

  findVideo(id: string): Promise<VideoRecord | null> {
    return this.prisma.video.findUnique({ where: { id } });
  }

  /**
   * Creates a DELETE_VIDEO task and marks the caller's video as being deleted by it, in one
   * transaction; a video can have one deletion under way at a time. Another caller's video is
   * not found.
   */
  async insertDeletion(videoId: string, owner: { callerId: string; priority?: number }, tx: Tx): Promise<TaskView> {
    const task = await this.insert('DELETE_VIDEO', { videoId }, owner, tx);
    const { callerId } = owner;
    const { count } = await tx.video.updateMany({ where: { id: videoId, callerId, deletingTaskId: null }, data: { deletingTaskId: task.id } });
    if (count === 1) return task;
    const video = await tx.video.findUnique({ where: { id: videoId } });
    if (!video || video.callerId !== callerId) throw new NotFoundError('video', videoId);
    throw new ConflictError(`Video ${videoId} is already being deleted by task ${video.deletingTaskId}.`, { taskId: video.deletingTaskId });
  }

  /**
   * Gives the task to the run named `claimId` of job `jobId` (the task's current job): from
   * PENDING, or from RUNNING under the claim of a run the engine found dead (fail-over). Counts
   * an attempt. Null when the task moved on.
   */
  claim(id: string, jobId: string, claimId: string, from: ClaimFrom): Promise<TaskView | null> {
    const where = from.status === 'PENDING' ? { id, status: 'PENDING' as const } : { id, status: 'RUNNING' as const, claimId: from.claimId };
    return this.updateIf({ ...where, jobId, cancelRequestedAt: null }, {
      status: 'RUNNING', claimId, attempts: { increment: 1 }, progress: 0, stage: 'starting', startedAt: new Date(), runAfter: null,
    });
  }

  // The writes of a running task name its claim: a run that lost the task (failed over
  // elsewhere after it was thought dead) can no longer touch it.

  updateProgress(id: string, claimId: string, progress: number, stage: string): Promise<TaskView | null> {
    return this.updateIf({ id, status: 'RUNNING', claimId }, { progress, stage });
  }

  /** Completes the task, with what the processor's own hook stores in the same transaction. */
  succeed(id: string, claimId: string, store?: (tx: Tx) => Promise<StoredOutcome | void>): Promise<TaskView | null> {
    const where = { id, status: 'RUNNING' as const, claimId };
    const done = { status: 'SUCCEEDED' as const, progress: 1, stage: 'done' };
    // Nothing else to write: one conditional UPDATE, no transaction.
    if (!store) return this.inTransaction((tx) => this.finish(tx, where, done), this.prisma);
    return this.inTransaction(async (tx) => {
      const stored = (await store(tx)) ?? {};
      return this.finish(tx, where, { ...done, ...(stored.videoId ? { videoId: stored.videoId } : {}) });
    });
  }

  /** RUNNING -> FAILED, for the run holding the claim (or for the claim a dead run left). */
  fail(id: string, claimId: string | null, failure: TaskFailureInfo): Promise<TaskView | null> {
    return this.inTransaction((tx) => this.finish(tx, { id, status: 'RUNNING', claimId }, {
      status: 'FAILED', stage: 'failed', errorCode: failure.code, errorMessage: failure.message, errorRetryable: failure.retryable,
    }));
  }

  /**
   * RUNNING -> PENDING after a retryable failure, with a new job that starts at `runAfter`.
   * Null when a cancel was asked for meanwhile (the caller cancels instead) or the claim is lost.
   */
  scheduleRetry(id: string, claimId: string, runAfter: Date, failure: TaskFailureInfo): Promise<TaskView | null> {
    return this.requeueWith(id, claimId, runAfter, {
      stage: 'retrying', runAfter, errorCode: failure.code, errorMessage: failure.message, errorRetryable: failure.retryable,
    });
  }

  /** PENDING -> CANCELLED, and its job withdrawn. */
  cancelPending(id: string): Promise<TaskView | null> {
    return this.inTransaction(async (tx) => {
      const task = await this.finish(tx, { id, status: 'PENDING' }, { status: 'CANCELLED', stage: 'cancelled' });
      if (task.jobId) await this.queue.cancel(tx, task.jobId);
      return task;
    });
  }

  /** Records the wish durably, so a run that takes the task over after a crash cancels it. */
  requestCancel(id: string): Promise<TaskView | null> {
    return this.updateIf({ id, status: 'RUNNING', cancelRequestedAt: null }, { cancelRequestedAt: new Date() });
  }

  /** RUNNING -> CANCELLED; only once a cancel was asked for (requestCancel). */
  cancelRunning(id: string, claimId: string | null): Promise<TaskView | null> {
    return this.inTransaction((tx) => this.finish(tx, {
      id, status: 'RUNNING', cancelRequestedAt: { not: null }, claimId,
    }, { status: 'CANCELLED', stage: 'cancelled' }));
  }

  /**
   * RUNNING -> PENDING with a new job (the server stops); the next claim counts a new attempt.
   * Null when a cancel was asked for (the caller cancels instead) or the claim is lost.
   */
  requeue(id: string, claimId: string): Promise<TaskView | null> {
    return this.requeueWith(id, claimId, null, { stage: 'queued', progress: 0 });
  }

  /** Stops a running task the way its state asks: CANCELLED if a cancel was asked for, else back to PENDING. */
  async release(id: string, claimId: string): Promise<TaskView | null> {
    return (await this.requeue(id, claimId)) ?? this.cancelRunning(id, claimId);
  }

  /**
   * Tasks under way that have no job: rows written before the job engine took over (an
   * upgrade). Each gets one, in its own transaction; returns how many.
   */
  async enqueueUnqueued(): Promise<number> {
    const rows = await this.prisma.task.findMany({ where: { status: { in: ['PENDING', 'RUNNING'] }, jobId: null }, select: { id: true } });
    let count = 0;
    for (const { id } of rows) {
      const jobId = randomUUID();
      const queued = await this.prisma.$transaction(async (tx) => {
        const { count: updated } = await tx.task.updateMany({ where: { id, jobId: null }, data: { jobId } });
        if (updated === 1) await this.queue.enqueue(tx, { jobId, taskId: id, priority: 0 });
        return updated;
      });
      count += queued;
    }
    return count;
  }

  private async requeueWith(id: string, claimId: string, startAfter: Date | null, data: Prisma.TaskUpdateInput): Promise<TaskView | null> {
    return this.inTransaction(async (tx) => {
      const jobId = randomUUID();
      const task = await this.updateOrMovedOn(tx, { id, status: 'RUNNING', claimId, cancelRequestedAt: null }, {
        ...data, status: 'PENDING', claimId: null, jobId,
      });
      // A task that ran once goes ahead of queued first runs: it was admitted long ago.
      await this.queue.enqueue(tx, { jobId, taskId: id, startAfter, priority: 0 });
      return task;
    });
  }

  /** Deletes a finished task's record of `callerId`; a task still under way is a conflict. */
  async remove(id: string, callerId: string): Promise<void> {
    const { count } = await this.prisma.task.deleteMany({ where: { id, callerId, status: { in: [...terminalStatuses] } } });
    if (count === 1) return;
    const task = await this.prisma.task.findUnique({ where: { id, callerId }, select: { status: true } });
    if (!task) throw new NotFoundError('task', id);
    throw new ConflictError(`Task ${id} is ${task.status}; only a finished task can be removed.`, { taskId: id, status: task.status });
  }

  /** Removes finished tasks that finished before `finishedBefore`; returns how many. */
  async purgeFinished(finishedBefore: Date): Promise<number> {
    const { count } = await this.prisma.task.deleteMany({
      where: { status: { in: [...terminalStatuses] }, finishedAt: { lt: finishedBefore } },
    });
    return count;
  }

  private async finish(tx: Tx, where: Prisma.TaskWhereUniqueInput & { id: string }, data: Prisma.TaskUpdateInput): Promise<TaskView> {
    const id = where.id;
    try {
      const task = view(await tx.task.update({
        where,
        data: { ...data, finishedAt: new Date(), claimId: null, runAfter: null, version: { increment: 1 } },
      }));
      // A deletion that did not succeed lets go of its video.
      if (task.kind === 'DELETE_VIDEO' && task.status !== 'SUCCEEDED') {
        await tx.video.updateMany({ where: { deletingTaskId: id }, data: { deletingTaskId: null } });
      }
      return task;
    } catch (error) {
      if (isPrismaError(error, 'P2025')) throw new TaskMovedOn();
      throw error;
    }
  }

  /** Runs `work` in a transaction (or, given a client, directly); null when the task moved on. */
  private async inTransaction(work: (tx: Tx) => Promise<TaskView>, client?: Tx): Promise<TaskView | null> {
    try {
      return await (client ? work(client) : this.prisma.$transaction(work));
    } catch (error) {
      if (error instanceof TaskMovedOn) return null;
      throw error;
    }
  }

  /** A conditional update inside a transaction; throws TaskMovedOn (rolling it back) when it matched nothing. */
  private async updateOrMovedOn(tx: Tx, where: Prisma.TaskWhereUniqueInput, data: Prisma.TaskUpdateInput): Promise<TaskView> {
    try {
      return view(await tx.task.update({ where, data: { ...data, version: { increment: 1 } } }));
    } catch (error) {
      if (isPrismaError(error, 'P2025')) throw new TaskMovedOn();
      throw error;
    }
  }

  private async updateIf(where: Prisma.TaskWhereUniqueInput, data: Prisma.TaskUpdateInput): Promise<TaskView | null> {
    try {
      // Every caller moves a PENDING or RUNNING task, which has no video.
      return view(await this.prisma.task.update({ where, data: { ...data, version: { increment: 1 } } }));
    } catch (error) {
      if (isPrismaError(error, 'P2025')) return null;
      throw error;
    }
  }
}
