// Queued and running tasks by kind, counted in the database when Prometheus scrapes: the only
// place that knows every process's tasks. One GROUP BY on the (status, createdAt) index, shared
// by concurrent scrapes and cached briefly; a database that does not answer in time leaves the
// previous values in place rather than holding the scrape.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { PrismaClient } from '../generated/prisma/client.js';
import { taskKinds, type TaskKind } from '../tasks/taskTypes.js';

/** Longer than this, the scrape goes on with the previous counts. */
export const taskCountTimeoutMs = 1000;
/** However many scrapers (or gauges) ask, at most one count per this long. */
const taskCountCacheMs = 1000;

type Counts = Record<'queued' | 'running', Map<TaskKind, number>>;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`the task count took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function countUnfinished(prisma: PrismaClient): Promise<Counts> {
  const rows = await prisma.task.groupBy({ by: ['kind', 'status'], where: { status: { in: ['PENDING', 'RUNNING'] } }, _count: { _all: true } });
  const counts: Counts = { queued: new Map(), running: new Map() };
  for (const row of rows) counts[row.status === 'RUNNING' ? 'running' : 'queued'].set(row.kind, row._count._all);
  return counts;
}

/** `prisma` is null while the app is not started (no samples then). */
export function registerTaskCounts(registry: Registry, prisma: () => PrismaClient | null): void {
  const failures = new Counter({
    name: 'longrun_task_count_failures_total',
    help: 'Scrapes whose count of queued and running tasks failed or timed out (the gauges kept their previous values).',
    registers: [registry],
  });
  let last: { at: number; counts: Counts } | null = null;
  let running: Promise<Counts | null> | null = null;
  const current = (): Promise<Counts | null> => {
    if (last && Date.now() - last.at < taskCountCacheMs) return Promise.resolve(last.counts);
    const client = prisma();
    if (!client) return Promise.resolve(null);
    running ??= withTimeout(countUnfinished(client), taskCountTimeoutMs).then((counts) => {
      last = { at: Date.now(), counts };
      return counts;
    }, () => {
      failures.inc();
      return null;
    }).finally(() => {
      running = null;
    });
    return running;
  };
  for (const state of ['queued', 'running'] as const) {
    new Gauge({
      name: `longrun_tasks_${state}`,
      help: state === 'queued'
        ? 'Tasks waiting to run (PENDING, retries in backoff included), by kind, counted in the database: every process reports the same figure.'
        : 'Tasks running (RUNNING), by kind, counted in the database: every process reports the same figure.',
      labelNames: ['kind'],
      registers: [registry],
      async collect() {
        const counts = await current();
        if (!counts) return;
        for (const kind of taskKinds) this.set({ kind }, counts[state].get(kind) ?? 0);
      },
    });
  }
}
