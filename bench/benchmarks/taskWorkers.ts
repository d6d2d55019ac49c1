// Figure 9: tasks created and completed per second with 1 and with 2 worker processes (ROLE=worker
// children, trivial processor, bench/servers/workerServer.ts), the tasks created over GraphQL
// (autocannon, 32 connections) on an API process (ROLE=api, built in this process like the app of
// figure 1), all on one PostgreSQL database; against figure 1's floor (the same writes and pg-boss
// job, bench/lib/engineFloor.ts), measured in the same rounds. PostgreSQL only: the embedded
// database serves one process.
// Each worker has the default WORKER_CONCURRENCY (the CPU count, as in figure 1): scaling out
// adds a process as an operator would, with its slots. (With 32 slots each, two workers and the
// API would not fit PostgreSQL's default max_connections of 100: a worker holds
// WORKER_CONCURRENCY + 3 pg-boss connections, DB_POOL_SIZE (10) Prisma ones and its LISTEN.)
// Workers start fresh for each configuration and get a 1 s warm-up load before the window.
// On this 2-core machine the API, the load generator, PostgreSQL and the workers share the
// cores: a second process adds no CPU, so the figure shows what splitting costs or gains here.
import { createBenchDatabase, startBenchApp, type BenchApp, type BenchDatabase } from '../lib/benchApp.js';
import { startEngineFloor, type EngineFloor } from '../lib/engineFloor.js';
import { ratioFigure, type BenchContext, type Benchmark, type Figure } from '../lib/figure.js';
import { median } from '../lib/stats.js';
import { startWorkerChild, type WorkerChild } from '../lib/workerChild.js';
import { appTasksPerSecond, TASK_CONCURRENCY, TASK_WORKERS } from './taskThroughput.js';

export const tasksWorkers: Benchmark = {
  name: 'tasks-workers',
  title: 'tasks/s with 1 and 2 worker processes (ROLE=worker, trivial processor), created through an API process, PostgreSQL',
  perDatabase: false,
  async run(ctx: BenchContext): Promise<Figure[]> {
    let database: BenchDatabase | null = null;
    let api: BenchApp | null = null;
    let floor: EngineFloor | null = null;
    const workers: WorkerChild[] = [];
    try {
      database = await createBenchDatabase();
      const databaseUrl = database.url;
      // The API migrates the database (and installs pg-boss's schema) before any worker starts.
      api = await startBenchApp({ db: 'postgres', databaseUrl, config: { role: 'api' } });
      floor = await startEngineFloor('postgres', { producers: TASK_CONCURRENCY, slots: TASK_WORKERS, jobs: api.config.jobs });
      const apiUrl = api.url;
      const prisma = api.app.services.database.prisma;
      const appRound = (seconds: number) => appTasksPerSecond(apiUrl, prisma, 'graphql', seconds);
      /** Starts `count` workers, warms them up, measures one window, stops them. */
      const withWorkers = async (count: 1 | 2, seconds: number) => {
        for (let i = 0; i < count; i++) {
          workers.push(await startWorkerChild({ databaseUrl, concurrency: TASK_WORKERS, processor: 'trivial' }));
        }
        try {
          await appRound(1);
          return await appRound(seconds);
        } finally {
          for (const worker of workers.splice(0)) await worker.close();
        }
      };

      await floor.round(1); // warm-up of the floor and of the API
      const floors: number[] = [];
      const one: number[] = [];
      const two: number[] = [];
      const rounds: unknown[] = [];
      for (let r = 0; r < ctx.rounds; r++) {
        const floorRound = await floor.round(ctx.seconds);
        const oneWorker = await withWorkers(1, ctx.seconds);
        const twoWorkers = await withWorkers(2, ctx.seconds);
        floors.push(floorRound.tasksPerSecond);
        one.push(oneWorker.tasksPerSecond);
        two.push(twoWorkers.tasksPerSecond);
        rounds.push({ floor: floorRound, oneWorker, twoWorkers });
        ctx.log(`round ${r + 1}: 1 worker ${oneWorker.tasksPerSecond.toFixed(0)} tasks/s (${oneWorker.created} tasks), 2 workers ${twoWorkers.tasksPerSecond.toFixed(0)} tasks/s (${twoWorkers.created} tasks), floor ${floorRound.tasksPerSecond.toFixed(0)} tasks/s`);
      }
      const figure = (count: 1 | 2, values: number[]): Figure => ratioFigure({
        figure: `9 (${count} worker${count === 2 ? 's' : ''})`,
        bench: this.name,
        name: `tasks/s via GraphQL on an API process, run by ${count} ROLE=worker process${count === 2 ? 'es' : ''} (c=${TASK_CONCURRENCY}, workers=${TASK_WORKERS} each) vs figure 1's floor (writes + pg-boss job, ${TASK_WORKERS} slots)`,
        db: 'postgres',
        value: median(values),
        floor: median(floors),
        unit: 'tasks/s',
        target: '>= 0.5',
        details: { concurrency: TASK_CONCURRENCY, workerConcurrency: TASK_WORKERS, workerProcesses: count, rounds },
      }, { atLeast: 0.5 }, values.map((value, i) => ({ value, floor: floors[i] as number })));
      return [figure(1, one), figure(2, two)];
    } finally {
      for (const worker of workers) await worker.close();
      await floor?.close();
      await api?.stop();
      await database?.drop();
    }
  },
};
