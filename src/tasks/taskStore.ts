// Every statement that moves a task. Each is conditional on the task's current status, so a
// stale writer can never move a task backwards or touch a finished one; each bumps `version`.
import { ConflictError, NotFoundError } from '../errors.js';
import type { Prisma, PrismaClient, Task, Video } from '../generated/prisma/client.js';
import type { NewVideo, VideoRecord } from '../videos/videoTypes.js';
import type { ProcessorOutcome, TaskFailureInfo } from './processor.js';
import { terminalStatuses, type TaskKind, type TaskView } from './taskTypes.js';

export const withVideo = { video: true } as const;

/**
 * Writes do not `include` the video: with an include Prisma runs every write as a transaction
 * of five statements (BEGIN, the write, a re-read, a read of the video, COMMIT), without it one
 * (decision 0006). A task that is not SUCCEEDED has no video, and succeed() has the video it
 * just created, so the view is complete either way.
 */
function view(task: Task, video: Video | null = null): TaskView {
  return { ...task, video };
}

export type Tx = Prisma.TransactionClient;

export function isPrismaError(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/** Raised inside a transaction to roll it back when the task moved on meanwhile. */
class TaskMovedOn extends Error {}

export class TaskStore {
  constructor(readonly prisma: PrismaClient) {}

  async insert(kind: TaskKind, input: Prisma.InputJsonValue, tx: Tx = this.prisma): Promise<TaskView> {
    return view(await tx.task.create({ data: { kind, input } }));
  }

  find(id: string): Promise<TaskView | null> {
    return this.prisma.task.findUnique({ where: { id }, include: withVideo });
  }

  findVideo(id: string): Promise<VideoRecord | null> {
    return this.prisma.video.findUnique({ where: { id } });
  }

  /**
   * Creates a DELETE_VIDEO task and marks the video as being deleted by it, in one
   * transaction; a video can have one deletion under way at a time.
   */
  async insertDeletion(videoId: string, tx: Tx): Promise<TaskView> {
    const task = await this.insert('DELETE_VIDEO', { videoId }, tx);
    const { count } = await tx.video.updateMany({ where: { id: videoId, deletingTaskId: null }, data: { deletingTaskId: task.id } });
    if (count === 1) return task;
    const video = await tx.video.findUnique({ where: { id: videoId } });
    if (!video) throw new NotFoundError('video', videoId);
    throw new ConflictError(`Video ${videoId} is already being deleted by task ${video.deletingTaskId}.`, { taskId: video.deletingTaskId });
  }

  /** PENDING (and due) -> RUNNING for this owner; null when the task is not ours to run. */
  claim(id: string, ownerId: string): Promise<TaskView | null> {
    return this.updateIf({ id, status: 'PENDING', cancelRequestedAt: null, OR: [{ runAfter: null }, { runAfter: { lte: new Date() } }] }, {
      status: 'RUNNING', ownerId, attempts: { increment: 1 }, progress: 0, stage: 'starting', startedAt: new Date(), runAfter: null,
    });
  }

  // The writes of a running task name its owner: a process that lost the task (recovered
  // elsewhere after it was thought dead) can no longer touch it.

  updateProgress(id: string, owner: string, progress: number, stage: string): Promise<TaskView | null> {
    return this.updateIf({ id, status: 'RUNNING', ownerId: owner }, { progress, stage });
  }

  /** Stores what the processor produced and completes the task, all or nothing. */
  succeed(id: string, owner: string, outcome: ProcessorOutcome): Promise<TaskView | null> {
    const where = { id, status: 'RUNNING' as const, ownerId: owner };
    const done = { status: 'SUCCEEDED' as const, progress: 1, stage: 'done' };
    // Nothing else to write: one conditional UPDATE, no transaction.
    if (!outcome.video && !outcome.deletedVideoId) return this.inTransaction((tx) => this.finish(tx, where, done), this.prisma);
    return this.inTransaction(async (tx) => {
      const created = outcome.video ? await tx.video.create({ data: outcome.video satisfies NewVideo }) : null;
      if (outcome.deletedVideoId) await tx.video.deleteMany({ where: { id: outcome.deletedVideoId } });
      return this.finish(tx, where, { ...done, ...(created ? { videoId: created.id } : {}) }, created);
    });
  }

  fail(id: string, owner: string | null, failure: TaskFailureInfo): Promise<TaskView | null> {
    return this.inTransaction((tx) => this.finish(tx, { id, status: 'RUNNING', ...(owner ? { ownerId: owner } : {}) }, {
      status: 'FAILED', stage: 'failed', errorCode: failure.code, errorMessage: failure.message, errorRetryable: failure.retryable,
    }));
  }

  /**
   * RUNNING -> PENDING after a retryable failure, not to run before `runAfter`. Null when a
   * cancel was asked for meanwhile (the caller cancels instead) or the task is not ours.
   */
  scheduleRetry(id: string, owner: string, runAfter: Date, failure: TaskFailureInfo): Promise<TaskView | null> {
    return this.updateIf({ id, status: 'RUNNING', ownerId: owner, cancelRequestedAt: null }, {
      status: 'PENDING', stage: 'retrying', ownerId: null, runAfter,
      errorCode: failure.code, errorMessage: failure.message, errorRetryable: failure.retryable,
    });
  }

  cancelPending(id: string): Promise<TaskView | null> {
    return this.inTransaction((tx) => this.finish(tx, { id, status: 'PENDING' }, { status: 'CANCELLED', stage: 'cancelled' }));
  }

  /** Records the wish durably, so a crash before the runner stops the task still cancels it. */
  requestCancel(id: string): Promise<TaskView | null> {
    return this.updateIf({ id, status: 'RUNNING', cancelRequestedAt: null }, { cancelRequestedAt: new Date() });
  }

  /** RUNNING -> CANCELLED; only once a cancel was asked for (requestCancel). */
  cancelRunning(id: string, owner: string | null): Promise<TaskView | null> {
    return this.inTransaction((tx) => this.finish(tx, {
      id, status: 'RUNNING', cancelRequestedAt: { not: null }, ...(owner ? { ownerId: owner } : {}),
    }, { status: 'CANCELLED', stage: 'cancelled' }));
  }

  /**
   * RUNNING -> PENDING (shutdown, or a run this process lost track of); the next claim counts
   * a new attempt. Null when a cancel was asked for (the caller cancels instead).
   */
  requeue(id: string, owner: string | null): Promise<TaskView | null> {
    return this.updateIf({ id, status: 'RUNNING', cancelRequestedAt: null, ...(owner ? { ownerId: owner } : {}) }, {
      status: 'PENDING', stage: 'queued', ownerId: null, progress: 0,
    });
  }

  /** Stops a running task the way its state asks: CANCELLED if a cancel was asked for, else back to PENDING. */
  async release(id: string, owner: string | null): Promise<TaskView | null> {
    return (await this.requeue(id, owner)) ?? this.cancelRunning(id, owner);
  }

  /** RUNNING tasks of one owner (or of any owner), for recovery. */
  async running(owner?: string): Promise<{ id: string; attempts: number }[]> {
    return this.prisma.task.findMany({ where: { status: 'RUNNING', ...(owner ? { ownerId: owner } : {}) }, select: { id: true, attempts: true } });
  }

  async pending(): Promise<{ id: string; runAfter: Date | null }[]> {
    return this.prisma.task.findMany({
      where: { status: 'PENDING' }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { id: true, runAfter: true },
    });
  }

  /** Deletes a finished task's record; a task still under way is a conflict. */
  async remove(id: string): Promise<void> {
    const { count } = await this.prisma.task.deleteMany({ where: { id, status: { in: [...terminalStatuses] } } });
    if (count === 1) return;
    const task = await this.prisma.task.findUnique({ where: { id }, select: { status: true } });
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

  private async finish(tx: Tx, where: Prisma.TaskWhereUniqueInput & { id: string }, data: Prisma.TaskUpdateInput, video: Video | null = null): Promise<TaskView> {
    const id = where.id;
    try {
      const task = view(await tx.task.update({
        where,
        data: { ...data, finishedAt: new Date(), ownerId: null, runAfter: null, version: { increment: 1 } },
      }), video);
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
