// Figure 11: crash fail-over. Two worker processes (ROLE=worker, bench/servers/workerServer.ts)
// whose processor hangs on a task's first attempt; a task is created on an API process (ROLE=api,
// in this process); the worker that starts it is SIGKILLed, and pg-boss's heartbeat supervision
// hands the job to the other, which takes the task over (attempt 2) and finishes it. The figure
// is the time from the kill to the task's finishedAt (the surviving worker's clock, one machine),
// median of the rounds (3 kills). A fresh worker replaces the killed one before the next round.
// Floor: the same with pg-boss alone (engine-only workers doing the floor's writes, as in figure
// 1), on a database of its own, in alternating rounds: what the engine's own fail-over takes
// with the app's settings (heartbeat 10 s, supervision every 2 s). PostgreSQL only.
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import type { PgBossEngine } from '../../src/queue/pgBossEngine.js';
import { createBenchDatabase, openFloorDatabase, startBenchApp, type BenchApp, type BenchDatabase } from '../lib/benchApp.js';
import { insertTaskWithJob, openFloorEngine } from '../lib/engineFloor.js';
import { ratioFigure, type BenchContext, type Benchmark, type Figure } from '../lib/figure.js';
import { median, sleep } from '../lib/stats.js';
import { startWorkerChild, type WorkerChild, type WorkerProcessor } from '../lib/workerChild.js';
import { anonymousCaller } from '../../src/auth/caller.js';

const WORKERS = 2;
const TARGET_SECONDS = 30;

/** One side of the comparison: where tasks are created and read, and which workers run them. */
interface Side {
  databaseUrl: string;
  prisma: PrismaClient;
  processor: WorkerProcessor;
  create(): Promise<string>;
  workers: WorkerChild[];
}

async function finishedRow(prisma: PrismaClient, id: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await prisma.task.findUnique({ where: { id }, select: { status: true, finishedAt: true, attempts: true } });
    if (row && row.status !== 'PENDING' && row.status !== 'RUNNING') return row;
    if (Date.now() > deadline) throw new Error(`task ${id} was still ${row?.status ?? 'missing'} ${timeoutMs} ms after the kill`);
    await sleep(100);
  }
}

/** Kills the worker that holds a new task and times the take-over; replaces the killed worker. */
async function killRound(side: Side) {
  // Listen before creating: the start may come before create() returns.
  const starts: { worker: WorkerChild; taskId: string; attempt: number }[] = [];
  const offs = side.workers.map((worker) => worker.onStarted((start) => starts.push({ worker, ...start })));
  try {
    const id = await side.create();
    const deadline = Date.now() + 30_000;
    let holder: WorkerChild | undefined;
    while (!(holder = starts.find((s) => s.taskId === id && s.attempt === 1)?.worker)) {
      if (Date.now() > deadline) throw new Error(`no worker started task ${id} within 30 s`);
      await sleep(10);
    }
    const killedAt = Date.now();
    await holder.kill();
    side.workers.splice(side.workers.indexOf(holder), 1);
    const row = await finishedRow(side.prisma, id, 90_000);
    if (row.status !== 'SUCCEEDED' || !row.finishedAt) throw new Error(`task ${id} ended ${row.status} after the kill`);
    const takenOverBy = starts.find((s) => s.taskId === id && s.attempt > 1);
    return { seconds: (row.finishedAt.getTime() - killedAt) / 1000, attempts: row.attempts, takenOver: takenOverBy !== undefined };
  } finally {
    for (const off of offs) off();
    // The next round again has WORKERS workers, one of them fresh.
    while (side.workers.length < WORKERS) side.workers.push(await startWorkerChild({ databaseUrl: side.databaseUrl, concurrency: 2, processor: side.processor }));
  }
}

export const failover: Benchmark = {
  name: 'failover',
  title: 'crash fail-over: a worker SIGKILLed while it runs a task, another finishes it (kill -> SUCCEEDED), PostgreSQL',
  perDatabase: false,
  async run(ctx: BenchContext): Promise<Figure[]> {
    let appDatabase: BenchDatabase | null = null;
    let api: BenchApp | null = null;
    let floorDb: Awaited<ReturnType<typeof openFloorDatabase>> | null = null;
    let floorEngine: PgBossEngine | null = null;
    const sides: Side[] = [];
    try {
      appDatabase = await createBenchDatabase();
      api = await startBenchApp({ db: 'postgres', databaseUrl: appDatabase.url, config: { role: 'api' } });
      const tasks = api.app.services.tasks;
      const appSide: Side = {
        databaseUrl: appDatabase.url, prisma: api.app.services.database.prisma, processor: 'hangFirstAttempt', workers: [],
        create: async () => (await tasks.createVideoTask(anonymousCaller, { title: 'Fail-over', plot: 'Its first worker dies.' })).id,
      };
      sides.push(appSide);
      floorDb = await openFloorDatabase('postgres');
      const floorDatabase = floorDb.database;
      const engine = await openFloorEngine(floorDatabase, api.config.jobs, 1);
      floorEngine = engine;
      const floorSide: Side = {
        databaseUrl: floorDatabase.url ?? '', prisma: floorDatabase.prisma, processor: 'engineOnly', workers: [],
        create: () => insertTaskWithJob(floorDatabase.prisma, engine),
      };
      sides.push(floorSide);
      for (const side of sides) {
        for (let i = 0; i < WORKERS; i++) side.workers.push(await startWorkerChild({ databaseUrl: side.databaseUrl, concurrency: 2, processor: side.processor }));
      }
      const values: number[] = [];
      const floors: number[] = [];
      const rounds: unknown[] = [];
      for (let r = 0; r < ctx.rounds; r++) {
        const floor = await killRound(floorSide);
        const app = await killRound(appSide);
        if (!app.takenOver || app.attempts !== 2) throw new Error(`the app's task was not taken over as expected: ${JSON.stringify(app)}`);
        floors.push(floor.seconds);
        values.push(app.seconds);
        rounds.push({ app, floor });
        ctx.log(`round ${r + 1}: kill -> SUCCEEDED ${app.seconds.toFixed(1)} s (attempts ${app.attempts}); pg-boss alone ${floor.seconds.toFixed(1)} s`);
      }
      const value = median(values);
      const figure = ratioFigure({
        figure: '11', bench: this.name, db: 'postgres',
        name: `crash fail-over: worker SIGKILLed holding a task -> another worker has it SUCCEEDED, median of ${ctx.rounds} kills (floor: pg-boss alone, same settings)`,
        value, floor: median(floors), unit: 's', target: `<= ${TARGET_SECONDS} s`,
        details: { workers: WORKERS, heartbeatSeconds: api.config.jobs.heartbeatSeconds, rounds },
      }, null, values.map((v, i) => ({ value: v, floor: floors[i] as number })));
      return [{ ...figure, met: value <= TARGET_SECONDS }];
    } finally {
      for (const side of sides) for (const worker of side.workers) await worker.close();
      await floorEngine?.stop();
      await floorDb?.close();
      await api?.stop();
      await appDatabase?.drop();
    }
  },
};
