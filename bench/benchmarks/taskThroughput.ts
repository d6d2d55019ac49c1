// Figures 1 and 2: tasks created and completed per second, end to end (GraphQL or REST create
// under autocannon load, the app's worker with a trivial processor completing them), against
// the same task done with the parts alone: Prisma writes and pg-boss's job (bench/lib/engineFloor.ts).
// Figure 1 also reports that floor against the bare Prisma writes of a task (no job engine):
// what the engine itself costs.
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import { startBenchApp, trivialProcessor, type BenchApp } from '../lib/benchApp.js';
import { floorInput, startEngineFloor } from '../lib/engineFloor.js';
import { ratioFigure, type BenchContext, type Benchmark, type Figure } from '../lib/figure.js';
import { runLoad, type LoadSpec } from '../lib/loadgen.js';
import { expectAllSucceeded, finishedRound } from '../lib/roundTasks.js';
import { median, nowMs } from '../lib/stats.js';
import { anonymousCallerId } from '../../src/auth/caller.js';

/** Concurrent clients (autocannon connections) and floor loops creating tasks; saturates 2 cores on both databases. */
export const TASK_CONCURRENCY = Number(process.env.BENCH_TASK_CONCURRENCY ?? 32);
/**
 * Job slots per worker process (WORKER_CONCURRENCY) in figures 1, 2 and 9, and the floor's pg-boss
 * slots: the app's default, the CPU count. More slots are no longer faster: every new job's
 * notification wakes every idle slot of a process, and each then runs a fetch (32 slots: 33
 * fetches per job), which on PGlite queue on its one connection (see bench/README.md).
 */
export const TASK_WORKERS = Number(process.env.BENCH_TASK_WORKERS ?? loadConfig({}).workerConcurrency);

/**
 * The three task writes without a job engine (insert, PENDING -> RUNNING, RUNNING -> SUCCEEDED,
 * each a conditional Prisma write), in `concurrency` closed loops for `seconds`: the floor of
 * figures 1 and 2 before pg-boss, kept to show what the engine costs.
 */
export async function prismaWritesPerSecond(prisma: PrismaClient, concurrency: number, seconds: number): Promise<number> {
  const claimId = randomUUID();
  const deadline = nowMs() + seconds * 1000;
  let completed = 0;
  const start = nowMs();
  const loop = async () => {
    while (nowMs() < deadline) {
      const task = await prisma.task.create({ data: { callerId: anonymousCallerId, kind: 'CREATE_VIDEO', input: floorInput } });
      await prisma.task.update({
        where: { id: task.id, status: 'PENDING' },
        data: { status: 'RUNNING', claimId, attempts: { increment: 1 }, progress: 0, stage: 'starting', startedAt: new Date(), version: { increment: 1 } },
      });
      await prisma.task.update({
        where: { id: task.id, status: 'RUNNING' },
        data: { status: 'SUCCEEDED', progress: 1, stage: 'done', finishedAt: new Date(), claimId: null, version: { increment: 1 } },
      });
      completed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return (completed / (nowMs() - start)) * 1000;
}

export function createSpec(kind: 'graphql' | 'rest', url: string, seconds: number): LoadSpec {
  const headers = { 'content-type': 'application/json' };
  return kind === 'graphql'
    ? {
        url: `${url}/graphql`, method: 'POST', headers, connections: TASK_CONCURRENCY, durationSeconds: seconds,
        body: JSON.stringify({
          query: 'mutation($input: CreateVideoInput!) { createVideoTask(input: $input) { id status } }',
          variables: { input: floorInput },
        }),
      }
    : { url: `${url}/videos/tasks`, method: 'POST', headers, connections: TASK_CONCURRENCY, durationSeconds: seconds, body: JSON.stringify(floorInput) };
}

/**
 * One round: create under load for `seconds` through `apiUrl`, wait until every task of the
 * round has finished, rate from the rows (first createdAt to last finishedAt) in `prisma`.
 */
export async function appTasksPerSecond(apiUrl: string, prisma: PrismaClient, kind: 'graphql' | 'rest', seconds: number) {
  const since = new Date();
  const load = await runLoad(createSpec(kind, apiUrl, seconds));
  const tasks = expectAllSucceeded(await finishedRound(prisma, since));
  return {
    tasksPerSecond: tasks.tasksPerSecond,
    created: tasks.created,
    createRequestsPerSecond: load.requestsPerSecond,
    createP99Ms: load.latencyP99,
    non2xx: load.non2xx,
    errors: load.errors,
  };
}

const appRound = (bench: BenchApp, kind: 'graphql' | 'rest', seconds: number) =>
  appTasksPerSecond(bench.url, bench.app.services.database.prisma, kind, seconds);

function taskThroughputBenchmark(kind: 'graphql' | 'rest'): Benchmark {
  const figure = kind === 'graphql' ? '1' : '2';
  const via = kind === 'graphql' ? 'GraphQL' : 'REST';
  // Figure 1 alone also measures the floor without the job engine (informative row).
  const withPlainWrites = kind === 'graphql';
  return {
    name: kind === 'graphql' ? 'tasks-graphql' : 'tasks-rest',
    title: `tasks created and completed per second through ${via}, trivial processor`,
    perDatabase: true,
    async run(ctx: BenchContext): Promise<Figure[]> {
      const bench = await startBenchApp({ db: ctx.db, processors: { CREATE_VIDEO: trivialProcessor }, config: { workerConcurrency: TASK_WORKERS } });
      // The floor writes into its own database of the same kind: the app's worker must not see its jobs.
      const floor = await startEngineFloor(ctx.db, { producers: TASK_CONCURRENCY, slots: TASK_WORKERS, jobs: bench.config.jobs }).catch(async (error: unknown) => {
        await bench.stop();
        throw error;
      });
      try {
        // Warm-up: JIT, connection pools, query plans.
        await floor.round(1);
        if (withPlainWrites) await prismaWritesPerSecond(floor.prisma, TASK_CONCURRENCY, 1);
        await appRound(bench, kind, 1);
        const floors: number[] = [];
        const values: number[] = [];
        const plainWrites: number[] = [];
        const rounds: unknown[] = [];
        for (let r = 0; r < ctx.rounds; r++) {
          const plain = withPlainWrites ? await prismaWritesPerSecond(floor.prisma, TASK_CONCURRENCY, ctx.seconds) : null;
          const floorRound = await floor.round(ctx.seconds);
          const value = await appRound(bench, kind, ctx.seconds);
          floors.push(floorRound.tasksPerSecond);
          values.push(value.tasksPerSecond);
          if (plain !== null) plainWrites.push(plain);
          rounds.push({ floor: floorRound, plainWrites: plain, ...value });
          ctx.log(`round ${r + 1}: app ${value.tasksPerSecond.toFixed(0)} tasks/s (${value.created} tasks), floor ${floorRound.tasksPerSecond.toFixed(0)} tasks/s (${floorRound.created} tasks)` +
            (plain !== null ? `, Prisma writes without a job ${plain.toFixed(0)} tasks/s` : ''));
        }
        const figures = [ratioFigure({
          figure,
          bench: this.name,
          name: `tasks/s end to end via ${via} (c=${TASK_CONCURRENCY}, workers=${TASK_WORKERS}) vs the same writes + pg-boss job`,
          db: ctx.db,
          value: median(values),
          floor: median(floors),
          unit: 'tasks/s',
          target: '>= 0.5',
          details: { concurrency: TASK_CONCURRENCY, workerConcurrency: TASK_WORKERS, rounds },
        }, { atLeast: 0.5 }, values.map((value, i) => ({ value, floor: floors[i] as number })))];
        if (withPlainWrites) {
          figures.push(ratioFigure({
            figure: '1 (engine)',
            bench: this.name,
            name: `the floor above (writes + pg-boss job) vs the same Prisma writes without a job engine (c=${TASK_CONCURRENCY}; informative)`,
            db: ctx.db,
            value: median(floors),
            floor: median(plainWrites),
            unit: 'tasks/s',
            target: 'report',
          }, null, floors.map((value, i) => ({ value, floor: plainWrites[i] as number }))));
        }
        return figures;
      } finally {
        await floor.close();
        await bench.stop();
      }
    },
  };
}

export const tasksGraphql = taskThroughputBenchmark('graphql');
export const tasksRest = taskThroughputBenchmark('rest');
