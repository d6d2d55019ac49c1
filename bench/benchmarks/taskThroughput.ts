// Figures 1 and 2: tasks created and completed per second, end to end (GraphQL or REST
// create under autocannon load, the in-process runner with a trivial processor completing
// them), against the same database writes done directly with Prisma at the same concurrency.
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import { openFloorDatabase, startBenchApp, trivialProcessor, type BenchApp } from '../lib/benchApp.js';
import { ratioFigure, type BenchContext, type Benchmark, type Figure } from '../lib/figure.js';
import { runLoad, type LoadSpec } from '../lib/loadgen.js';
import { median, nowMs, sleep } from '../lib/stats.js';

/** Concurrent clients (autocannon connections) and Prisma loops; saturates 2 cores on both databases. */
export const TASK_CONCURRENCY = Number(process.env.BENCH_TASK_CONCURRENCY ?? 32);
const input = { title: 'Benchmark', plot: 'A task created by the benchmark.' };

/**
 * The floor, on a database of the same kind opened like the app's: per task an insert, PENDING -> RUNNING and RUNNING -> SUCCEEDED, each a
 * conditional Prisma update returning the row, in `concurrency` loops for `seconds`.
 */
export async function prismaWritesPerSecond(prisma: PrismaClient, concurrency: number, seconds: number): Promise<number> {
  const claimId = randomUUID();
  const deadline = nowMs() + seconds * 1000;
  let completed = 0;
  const start = nowMs();
  const loop = async () => {
    while (nowMs() < deadline) {
      const task = await prisma.task.create({ data: { kind: 'CREATE_VIDEO', input } });
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

function createSpec(kind: 'graphql' | 'rest', url: string, seconds: number): LoadSpec {
  const headers = { 'content-type': 'application/json' };
  return kind === 'graphql'
    ? {
        url: `${url}/graphql`, method: 'POST', headers, connections: TASK_CONCURRENCY, durationSeconds: seconds,
        body: JSON.stringify({
          query: 'mutation($input: CreateVideoInput!) { createVideoTask(input: $input) { id status } }',
          variables: { input },
        }),
      }
    : { url: `${url}/videos/tasks`, method: 'POST', headers, connections: TASK_CONCURRENCY, durationSeconds: seconds, body: JSON.stringify(input) };
}

/** One round: load for `seconds`, then wait until every created task has completed. */
async function appTasksPerSecond(bench: BenchApp, kind: 'graphql' | 'rest', seconds: number) {
  let created = 0;
  let succeeded = 0;
  let other = 0;
  let firstCreatedAt = Number.NaN;
  let lastDoneAt = Number.NaN;
  const off = bench.onPublish((task, at) => {
    if (task.status === 'PENDING' && task.version === 1) {
      if (created++ === 0) firstCreatedAt = at;
    } else if (task.status === 'SUCCEEDED') {
      succeeded++;
      lastDoneAt = at;
    } else if (task.status === 'FAILED' || task.status === 'CANCELLED') other++;
  });
  try {
    const load = await runLoad(createSpec(kind, bench.url, seconds));
    const drainDeadline = nowMs() + 60_000;
    while (succeeded + other < created && nowMs() < drainDeadline) await sleep(10);
    if (succeeded + other < created) throw new Error(`only ${succeeded + other} of ${created} tasks finished within 60 s`);
    if (other > 0) throw new Error(`${other} tasks did not succeed`);
    return {
      tasksPerSecond: (succeeded / (lastDoneAt - firstCreatedAt)) * 1000,
      created,
      createRequestsPerSecond: load.requestsPerSecond,
      createP99Ms: load.latencyP99,
      non2xx: load.non2xx,
      errors: load.errors,
    };
  } finally {
    off();
  }
}

function taskThroughputBenchmark(kind: 'graphql' | 'rest'): Benchmark {
  const figure = kind === 'graphql' ? '1' : '2';
  return {
    name: kind === 'graphql' ? 'tasks-graphql' : 'tasks-rest',
    title: `tasks created and completed per second through ${kind === 'graphql' ? 'GraphQL' : 'REST'}, trivial processor`,
    perDatabase: true,
    async run(ctx: BenchContext): Promise<Figure[]> {
      // The runner works off as many tasks at once as there are clients, as the floor's loops do;
      // with the default (CPU count) it would be the bottleneck for a processor that takes no time.
      const workerConcurrency = Number(process.env.BENCH_TASK_WORKERS ?? TASK_CONCURRENCY);
      const bench = await startBenchApp({ db: ctx.db, processors: { CREATE_VIDEO: trivialProcessor }, config: { workerConcurrency } });
      // The floor writes into its own database of the same kind: the app's runner sweeps PENDING rows.
      const floorDb = await openFloorDatabase(ctx.db).catch(async (error: unknown) => {
        await bench.stop();
        throw error;
      });
      try {
        const prisma = floorDb.database.prisma;
        // Warm-up: JIT, connection pools, query plans.
        await prismaWritesPerSecond(prisma, TASK_CONCURRENCY, 1);
        await appTasksPerSecond(bench, kind, 1);
        const floors: number[] = [];
        const values: number[] = [];
        const rounds: unknown[] = [];
        for (let r = 0; r < ctx.rounds; r++) {
          const floor = await prismaWritesPerSecond(prisma, TASK_CONCURRENCY, ctx.seconds);
          const value = await appTasksPerSecond(bench, kind, ctx.seconds);
          floors.push(floor);
          values.push(value.tasksPerSecond);
          rounds.push({ floor, ...value });
          ctx.log(`round ${r + 1}: app ${value.tasksPerSecond.toFixed(0)} tasks/s (${value.created} tasks), floor ${floor.toFixed(0)} tasks/s`);
        }
        return [ratioFigure({
          figure,
          bench: this.name,
          name: `tasks/s end to end via ${kind === 'graphql' ? 'GraphQL' : 'REST'} (c=${TASK_CONCURRENCY}, workers=${workerConcurrency}) vs Prisma writes loop`,
          db: ctx.db,
          value: median(values),
          floor: median(floors),
          unit: 'tasks/s',
          target: '>= 0.5',
          details: { concurrency: TASK_CONCURRENCY, workerConcurrency, rounds },
        }, { atLeast: 0.5 }, values.map((value, i) => ({ value, floor: floors[i] as number })))];
      } finally {
        await floorDb.close();
        await bench.stop();
      }
    },
  };
}

export const tasksGraphql = taskThroughputBenchmark('graphql');
export const tasksRest = taskThroughputBenchmark('rest');
