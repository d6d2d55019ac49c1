// Diagnostic: the SQL statements the app sends to PostgreSQL per task, by kind, when tasks are
// created at a steady rate, each followed by a subscriber until it is done (figure 5's shape,
// with a trivial processor). Counts every query of the `pg` driver in this process (Prisma's
// adapter, pg-boss, the events connection), after a 2.5 s settle so start-up does not count.
//   node --import tsx bench/tools/statementsPerTask.ts [workerConcurrency] [tasks/s] [tasks]
// e.g. `... 32` shows the fetches every new job's notification costs with 32 idle slots.
import pg from 'pg';
import { startBenchApp, trivialProcessor } from '../lib/benchApp.js';
import { sleep } from '../lib/stats.js';
import { isTerminal } from '../../src/tasks/taskTypes.js';
import { anonymousCaller } from '../../src/auth/caller.js';

const workerConcurrency = Number(process.argv[2] ?? 2);
const rate = Number(process.argv[3] ?? 100);
const count = Number(process.argv[4] ?? 200);

const counts = new Map<string, number>();
const query = pg.Client.prototype.query;
/** Counts by the statement's first 60 characters, whitespace folded. */
function countStatement(args: unknown[]): void {
  const first = args[0];
  const text = typeof first === 'string' ? first : typeof first === 'object' && first !== null && 'text' in first ? String(first.text) : '?';
  const key = text.replace(/\s+/g, ' ').trim().slice(0, 60);
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
pg.Client.prototype.query = function countedQuery(this: pg.Client, ...args: unknown[]) {
  countStatement(args);
  return (query as (...rest: unknown[]) => unknown).apply(this, args);
} as typeof query;

const bench = await startBenchApp({ db: 'postgres', processors: { CREATE_VIDEO: trivialProcessor }, config: { workerConcurrency } });
try {
  const tasks = bench.app.services.tasks;
  await sleep(2500);
  counts.clear();
  const started = Date.now();
  await Promise.all(Array.from({ length: count }, async (_, i) => {
    await sleep((i * 1000) / rate);
    const task = await tasks.createVideoTask(anonymousCaller, { title: 'Counted', plot: 'Every statement of its life.' });
    const watch = await tasks.watch(anonymousCaller, task.id);
    for await (const change of watch) if (isTerminal(change.status)) break;
  }));
  const seconds = (Date.now() - started) / 1000;
  await sleep(300);
  const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
  process.stdout.write(`${count} tasks at ${rate}/s, a subscriber each, WORKER_CONCURRENCY ${workerConcurrency}: ${total} statements in ${seconds.toFixed(1)} s, ${(total / count).toFixed(1)} per task\n`);
  for (const [statement, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    process.stdout.write(`${(n / count).toFixed(2).padStart(7)}  ${statement}\n`);
  }
} finally {
  await bench.stop();
}
