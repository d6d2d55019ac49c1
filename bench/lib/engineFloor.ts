// The floor of figures 1, 2 and 9 (and, with a hanging first attempt, of 11): what a task needs
// from the parts longrun is built on, PostgreSQL or PGlite, Prisma and pg-boss, with nothing of
// longrun's own around them. Per task:
//   create  one transaction: the Task row and its pg-boss job (TaskStore.insert's two statements
//           plus pg-boss's insert, through the same PgBossEngine.enqueue)
//   run     pg-boss hands the job out (fetch, heartbeat, complete: PgBossEngine.work, the app's
//           own settings), and the handler writes PENDING -> RUNNING and RUNNING -> SUCCEEDED,
//           each one conditional Prisma update, as TaskStore.claim and TaskStore.succeed do.
// pg-boss's statements are part of the floor: the job engine is one of the parts. What the app
// adds on top is its interfaces, the worker's read of the task before the claim, and its events.
import { randomUUID } from 'node:crypto';
import type { JobEngineTuning } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import { createLogger } from '../../src/logger.js';
import type { ClaimedJob } from '../../src/queue/jobQueue.js';
import { PgBossEngine } from '../../src/queue/pgBossEngine.js';
import { openFloorDatabase, type BenchDb } from './benchApp.js';
import { expectAllSucceeded, finishedRound, type RoundTasks } from './roundTasks.js';
import { nowMs } from './stats.js';
import { anonymousCallerId } from '../../src/auth/caller.js';

export const floorInput = { title: 'Benchmark', plot: 'A task created by the benchmark.' };

/** The app's claim, as TaskStore.claim writes it: of the task's own job, from PENDING or from the claim a dead run left. */
async function claim(prisma: PrismaClient, job: ClaimedJob): Promise<string> {
  const claimId = `${job.id}:${job.retryCount}`;
  // The claim of a run is "<jobId>:<retryCount>": a fail-over's previous run is the attempt before.
  const from = job.retryCount === 0
    ? { status: 'PENDING' as const }
    : { status: 'RUNNING' as const, claimId: `${job.id}:${job.retryCount - 1}` };
  await prisma.task.update({
    where: { id: job.taskId, ...from, jobId: job.id, cancelRequestedAt: null },
    data: { status: 'RUNNING', claimId, attempts: { increment: 1 }, progress: 0, stage: 'starting', startedAt: new Date(), runAfter: null, version: { increment: 1 } },
  });
  return claimId;
}

/** The app's completion without a result to store (TaskStore.succeed -> finish): one conditional update. */
async function succeed(prisma: PrismaClient, taskId: string, claimId: string): Promise<void> {
  await prisma.task.update({
    where: { id: taskId, status: 'RUNNING', claimId },
    data: { status: 'SUCCEEDED', progress: 1, stage: 'done', finishedAt: new Date(), claimId: null, runAfter: null, version: { increment: 1 } },
  });
}

/** The floor's job handler; `hangFirstAttempt` keeps a first attempt claimed until its signal fires (fail-over). */
export function floorHandler(prisma: PrismaClient, options: { hangFirstAttempt?: boolean; onStart?: (job: ClaimedJob) => void } = {}) {
  return async (job: ClaimedJob): Promise<void> => {
    const claimId = await claim(prisma, job);
    options.onStart?.(job);
    if (options.hangFirstAttempt && job.retryCount === 0) {
      await new Promise<void>((resolve) => job.signal.addEventListener('abort', () => resolve(), { once: true }));
      return;
    }
    await succeed(prisma, job.taskId, claimId);
  };
}

/** The task row and its job in one transaction, as TaskStore.insert writes them; returns the task's id. */
export async function insertTaskWithJob(prisma: PrismaClient, engine: PgBossEngine): Promise<string> {
  return prisma.$transaction(async (tx) => {
    const jobId = randomUUID();
    const task = await tx.task.create({ data: { id: randomUUID(), callerId: anonymousCallerId, kind: 'CREATE_VIDEO', input: floorInput, jobId } });
    await engine.enqueue(tx, { jobId, taskId: task.id, priority: 0 });
    return task.id;
  });
}

export function openFloorEngine(database: Database, jobs: JobEngineTuning, concurrency: number): Promise<PgBossEngine> {
  return PgBossEngine.open(database, { ...jobs, instanceName: 'longrun bench floor', poolSize: concurrency + 3 }, createLogger('warn'));
}

export interface EngineFloor {
  /** The floor's own database (writes of other floors go there too, never into the app's). */
  prisma: PrismaClient;
  /** `producers` loops create tasks for `seconds` while `slots` pg-boss slots run them; all drained. */
  round(seconds: number): Promise<RoundTasks>;
  close(): Promise<void>;
}

/** The floor on a database of its own, of the same kind as the app's and opened like it. */
export async function startEngineFloor(db: BenchDb, options: {
  /** Closed loops creating tasks, like the load generator's connections. */
  producers: number;
  /** pg-boss slots running them, like the app's WORKER_CONCURRENCY. */
  slots: number;
  jobs: JobEngineTuning;
}): Promise<EngineFloor> {
  const floorDb = await openFloorDatabase(db);
  const prisma = floorDb.database.prisma;
  return {
    prisma,
    async round(seconds) {
      // The engine runs only during the floor's own rounds: idle, each slot polls once a second
      // (on PGlite in this process, beside the app's rounds), and its pool of slots + 3
      // PostgreSQL connections would count against max_connections while the app's processes run.
      const engine = await openFloorEngine(floorDb.database, options.jobs, options.slots);
      try {
        await engine.work(options.slots, floorHandler(prisma));
        const since = new Date();
        const deadline = nowMs() + seconds * 1000;
        await Promise.all(Array.from({ length: options.producers }, async () => {
          while (nowMs() < deadline) await insertTaskWithJob(prisma, engine);
        }));
        return expectAllSucceeded(await finishedRound(prisma, since));
      } finally {
        await engine.stopTaking();
        await engine.stop();
      }
    },
    close: () => floorDb.close(),
  };
}
