// Idempotency-Key handling: the first request under a key creates the task and remembers a
// hash of the request in the same transaction; a replay with the same request gets that task
// back, a different request under the same key is refused. Keys live 24 hours.
import { createHash } from 'node:crypto';
import { ConflictError, IdempotencyKeyReusedError, QuotaExceededError, RateLimitedError, ValidationError } from '../errors.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { isPrismaError, withVideo, type Tx } from './taskStore.js';
import type { TaskView } from './taskTypes.js';

export const idempotencyKeyTtlMs = 24 * 3600 * 1000;
const keyPattern = /^[\x21-\x7e]{1,255}$/;

export function checkIdempotencyKey(key: string, field: string, location?: 'header'): void {
  if (!keyPattern.test(key)) {
    throw new ValidationError([{ field, message: 'must be 1 to 255 visible ASCII characters', ...(location ? { in: location } : {}) }]);
  }
}

export function requestHash(request: unknown): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('base64url');
}

export interface Replayable {
  /** Keys are per caller: another caller's key of the same text is another key. */
  callerId: string;
  scope: string;
  key: string;
  /** The request as parsed, defaults applied, so equivalent requests hash alike. */
  request: unknown;
}

export class IdempotencyStore {
  constructor(private readonly prisma: PrismaClient) {}

  /** Runs `create` once per (scope, key); returns the task and whether it was a replay. */
  async createOnce(once: Replayable, create: (tx: Tx) => Promise<TaskView>): Promise<{ task: TaskView; replayed: boolean }> {
    const hash = requestHash(once.request);
    const earlier = await this.replay(once, hash);
    if (earlier) return { task: earlier, replayed: true };
    try {
      const task = await this.prisma.$transaction(async (tx) => {
        const created = await create(tx);
        await tx.idempotencyKey.create({ data: { callerId: once.callerId, scope: once.scope, key: once.key, requestHash: hash, taskId: created.id } });
        return created;
      });
      return { task, replayed: false };
    } catch (error) {
      // Another request with the same key committed first (our insert of the key failed, or
      // the work itself conflicted with the winner's, as two deletions of one video do, or
      // admission counted the winner's task against the quota it just filled): answer as its replay.
      const lostRace = isPrismaError(error, 'P2002') || error instanceof ConflictError || error instanceof QuotaExceededError || error instanceof RateLimitedError;
      if (!lostRace) throw error;
      const winner = await this.replay(once, hash);
      if (!winner) throw error;
      return { task: winner, replayed: true };
    }
  }

  async purgeExpired(now = Date.now()): Promise<number> {
    const { count } = await this.prisma.idempotencyKey.deleteMany({ where: { createdAt: { lt: new Date(now - idempotencyKeyTtlMs) } } });
    return count;
  }

  private async replay(once: Replayable, hash: string): Promise<TaskView | null> {
    const { callerId, scope, key } = once;
    const row = await this.prisma.idempotencyKey.findUnique({ where: { callerId_scope_key: { callerId, scope, key } } });
    if (!row) return null;
    if (row.createdAt.getTime() < Date.now() - idempotencyKeyTtlMs) {
      await this.prisma.idempotencyKey.deleteMany({ where: { callerId, scope, key, createdAt: row.createdAt } });
      return null;
    }
    if (row.requestHash !== hash) throw new IdempotencyKeyReusedError(once.key);
    const task = await this.prisma.task.findUnique({ where: { id: row.taskId }, include: withVideo });
    if (!task) {
      throw new ConflictError(`The task created under idempotency key ${JSON.stringify(once.key)} has been removed; use a new key to start again.`, {
        taskId: row.taskId,
        idempotencyKey: once.key,
      });
    }
    return task;
  }
}
