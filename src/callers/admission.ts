// Admission of a new task for a caller, inside the transaction that creates it, so a refusal
// stores nothing and an admitted task commits with the usage it consumed:
//   1. the caller's CallerUsage row is upserted: it takes a creation token (the rate) and locks
//      the row, so one caller's creations pass here one at a time in every process and the
//      counts below are exact;
//   2. its tasks queued or running are counted (QUOTA_ACTIVE_TASKS);
//   3. for a render, its stored media bytes are summed (QUOTA_MEDIA_BYTES).
// The count also orders the queue fairly: a task's job priority is minus the number of the
// caller's tasks ahead of it, so every caller's first task comes before anyone's second
// (pg-boss fetches by priority, then age).
import { QuotaExceededError, RateLimitedError } from '../errors.js';
import type { Tx } from '../tasks/taskStore.js';
import type { TaskKind } from '../tasks/taskTypes.js';
import { admissionNeeded, type QuotaSettings } from './quotas.js';

export interface Admitted {
  /** The job's priority: 0 for a caller with nothing under way, -n behind n of its own. */
  priority: number;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  // A small quota in MiB would read "0.0 MiB of the 0.0 MiB allowed".
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

export class Admission {
  private readonly needed: boolean;

  constructor(private readonly quotas: QuotaSettings, manyCallers: boolean) {
    this.needed = admissionNeeded(quotas, manyCallers);
  }

  async admit(tx: Tx, callerId: string, kind: TaskKind): Promise<Admitted> {
    if (!this.needed) return { priority: 0 };
    await this.takeCreationToken(tx, callerId);
    const active = await tx.task.count({ where: { callerId, status: { in: ['PENDING', 'RUNNING'] } } });
    const { activeTasks, mediaBytes } = this.quotas;
    if (activeTasks > 0 && active >= activeTasks) {
      throw new QuotaExceededError(
        `You have ${active} tasks queued or running, the most allowed at once; wait for one to finish or cancel one.`,
        { quota: 'activeTasks', limit: activeTasks, used: active },
      );
    }
    if (kind === 'CREATE_VIDEO' && mediaBytes > 0) {
      const { _sum } = await tx.video.aggregate({ where: { callerId }, _sum: { sizeBytes: true } });
      const used = _sum.sizeBytes ?? 0;
      if (used >= mediaBytes) {
        throw new QuotaExceededError(
          `Your stored videos take ${formatBytes(used)} of the ${formatBytes(mediaBytes)} allowed; delete videos to render new ones.`,
          { quota: 'mediaBytes', limit: mediaBytes, used },
        );
      }
    }
    return { priority: -active };
  }

  /**
   * Takes one token from the caller's bucket (refilled continuously at creationsPerMinute, up to
   * creationBurst), or refuses with the seconds until one is there. Always locks the caller's row.
   */
  private async takeCreationToken(tx: Tx, callerId: string): Promise<void> {
    const { creationsPerMinute, creationBurst } = this.quotas;
    const limited = creationsPerMinute > 0;
    const perSecond = limited ? creationsPerMinute / 60 : 0;
    const capacity = limited ? Math.max(1, creationBurst || creationsPerMinute) : 0;
    // now() is the transaction's start; GREATEST keeps a clock step backwards from adding tokens.
    const [row] = await tx.$queryRaw<{ tokens: number }[]>`
      INSERT INTO "CallerUsage" ("callerId", "tokens", "refilledAt") VALUES (${callerId}, ${capacity - 1}, now())
      ON CONFLICT ("callerId") DO UPDATE SET
        "tokens" = LEAST(${capacity}::float8,
          "CallerUsage"."tokens" + GREATEST(0, EXTRACT(EPOCH FROM (now() - "CallerUsage"."refilledAt")))::float8 * ${perSecond}::float8) - 1,
        "refilledAt" = GREATEST(now(), "CallerUsage"."refilledAt")
      RETURNING "tokens"`;
    if (!limited || !row || row.tokens >= 0) return;
    // The transaction rolls back: the token is not taken.
    const retryAfterSeconds = Math.max(1, Math.ceil(-row.tokens / perSecond));
    throw new RateLimitedError(
      `You may create ${creationsPerMinute} tasks per minute; try again in ${retryAfterSeconds} s.`,
      retryAfterSeconds,
      { quota: 'creationsPerMinute', limit: creationsPerMinute },
    );
  }
}
