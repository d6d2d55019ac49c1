// A worker process of figures 9 and 11: `buildApp` with ROLE=worker on the benchmark's PostgreSQL
// database, as `npm run worker` runs it but with a processor of the benchmark's choice:
//   trivial           returns at once (figure 9: what the task machinery costs)
//   hangFirstAttempt  a task's first attempt hangs until the process dies or stops; a later
//                     attempt (the fail-over's) returns at once (figure 11)
//   engineOnly        no app at all: pg-boss (PgBossEngine) and the floor's writes, with the
//                     first attempt hanging (the floor of figure 11, bench/lib/engineFloor.ts)
// Tells the parent over IPC when it is ready and (except `trivial`) whenever a task starts; stops when the parent
// disconnects (or is SIGKILLed by it, which is the point of figure 11).
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import type { Processor } from '../../src/tasks/processor.js';
import { startBenchApp } from '../lib/benchApp.js';
import { floorHandler, openFloorEngine } from '../lib/engineFloor.js';
import type { WorkerChildReply, WorkerChildSpec } from '../lib/workerChild.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as WorkerChildSpec;
const send = (message: WorkerChildReply) => process.send?.(message);

// Says nothing to the parent: a message per task would cost this process more than the task.
const trivial: Processor = async () => ({});

const hangFirstAttempt: Processor = (task, context) => {
  send({ op: 'started', taskId: task.id, attempt: task.attempts });
  if (task.attempts > 1) return Promise.resolve({});
  // Until the app stops it (never, when the parent SIGKILLs this process).
  return new Promise((_resolve, reject) => context.signal.addEventListener('abort', () => reject(context.signal.reason), { once: true }));
};

async function startApp(): Promise<{ url: string; stop(): Promise<void> }> {
  const bench = await startBenchApp({
    db: 'postgres',
    databaseUrl: spec.databaseUrl,
    dataDir: spec.dataDir,
    config: { role: 'worker', workerConcurrency: spec.concurrency },
    processors: { CREATE_VIDEO: spec.processor === 'trivial' ? trivial : hangFirstAttempt },
  });
  return { url: bench.url, stop: () => bench.stop() };
}

async function startEngineOnly(): Promise<{ url: string; stop(): Promise<void> }> {
  const database = await openDatabase({ databaseUrl: spec.databaseUrl, dataDir: spec.dataDir });
  const engine = await openFloorEngine(database, loadConfig({ DATA_DIR: spec.dataDir }).jobs, spec.concurrency);
  await engine.work(spec.concurrency, floorHandler(database.prisma, {
    hangFirstAttempt: true,
    onStart: (job) => send({ op: 'started', taskId: job.taskId, attempt: job.retryCount + 1 }),
  }));
  return {
    url: '',
    async stop() {
      await engine.stopTaking();
      await engine.stop();
      await database.close();
    },
  };
}

const worker = spec.processor === 'engineOnly' ? await startEngineOnly() : await startApp();
let stopping: Promise<void> | null = null;
process.on('disconnect', () => {
  stopping ??= worker.stop();
  void stopping.finally(() => process.exit(0));
});
send({ op: 'ready', url: worker.url, pid: process.pid });
