// Every database statement about tasks. Writes that move a task are conditional on its current
// status, so a stale writer can never move a task backwards or touch a finished one.
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { TaskKind, TaskView } from './taskTypes.js';
import type { TaskFailureInfo } from './processor.js';
import type { NewVideo } from '../videos/videoTypes.js';

const withVideo = { video: true } as const;

function isRecordNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2025';
}

export class TaskStore {
  constructor(private readonly prisma: PrismaClient) {}

  insert(kind: TaskKind, input: Prisma.InputJsonValue): Promise<TaskView> {
    return this.prisma.task.create({ data: { kind, input }, include: withVideo });
  }

  find(id: string): Promise<TaskView | null> {
    return this.prisma.task.findUnique({ where: { id }, include: withVideo });
  }

  findVideo(id: string) {
    return this.prisma.video.findUnique({ where: { id } });
  }

  /** PENDING -> RUNNING for this owner; null when the task is no longer PENDING. */
  claim(id: string, ownerId: string): Promise<TaskView | null> {
    return this.updateIf(id, 'PENDING', {
      status: 'RUNNING',
      ownerId,
      attempts: { increment: 1 },
      progress: 0,
      stage: 'starting',
      startedAt: new Date(),
    });
  }

  updateProgress(id: string, progress: number, stage: string): Promise<TaskView | null> {
    return this.updateIf(id, 'RUNNING', { progress, stage });
  }

  async succeed(id: string, video: NewVideo | undefined): Promise<TaskView | null> {
    return this.prisma.$transaction(async (tx) => {
      const created = video ? await tx.video.create({ data: video }) : null;
      try {
        return await tx.task.update({
          where: { id, status: 'RUNNING' },
          data: {
            status: 'SUCCEEDED', progress: 1, stage: 'done', finishedAt: new Date(), ownerId: null,
            version: { increment: 1 }, ...(created ? { videoId: created.id } : {}),
          },
          include: withVideo,
        });
      } catch (error) {
        // Rolls the video back with the transaction: a task that is no longer ours gets none.
        if (isRecordNotFound(error)) throw new TaskNoLongerRunning(id);
        throw error;
      }
    }).catch((error: unknown) => {
      if (error instanceof TaskNoLongerRunning) return null;
      throw error;
    });
  }

  fail(id: string, failure: TaskFailureInfo): Promise<TaskView | null> {
    return this.updateIf(id, 'RUNNING', {
      status: 'FAILED', stage: 'failed', finishedAt: new Date(), ownerId: null,
      errorCode: failure.code, errorMessage: failure.message, errorRetryable: failure.retryable,
    });
  }

  /** RUNNING -> PENDING (shutdown or recovery); the next claim counts a new attempt. */
  requeue(id: string): Promise<TaskView | null> {
    return this.updateIf(id, 'RUNNING', { status: 'PENDING', stage: 'queued', ownerId: null, progress: 0 });
  }

  /** Tasks left RUNNING by a process that is gone go back to PENDING. */
  async requeueAllRunning(): Promise<number> {
    const { count } = await this.prisma.task.updateMany({
      where: { status: 'RUNNING' },
      data: { status: 'PENDING', stage: 'queued', ownerId: null, progress: 0, version: { increment: 1 } },
    });
    return count;
  }

  async pendingIds(): Promise<string[]> {
    const rows = await this.prisma.task.findMany({
      where: { status: 'PENDING' }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { id: true },
    });
    return rows.map((row) => row.id);
  }

  private async updateIf(id: string, status: TaskView['status'], data: Prisma.TaskUpdateInput): Promise<TaskView | null> {
    try {
      return await this.prisma.task.update({
        where: { id, status },
        data: { ...data, version: { increment: 1 } },
        include: withVideo,
      });
    } catch (error) {
      if (isRecordNotFound(error)) return null;
      throw error;
    }
  }
}

class TaskNoLongerRunning extends Error {
  constructor(id: string) {
    super(`task ${id} is no longer RUNNING`);
  }
}
