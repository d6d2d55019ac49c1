// Diagnostic for figures 1 and 2: the same three task writes (insert, PENDING -> RUNNING,
// RUNNING -> SUCCEEDED) in three shapes, as Prisma loops at the benchmark's concurrency:
//   plain      each write one statement returning the row: the floor of figures 1 and 2, and
//              since decision 0006 what the app sends for a task without idempotency key or video
//   include    each write with `include: { video: true }`
//   before0006 as the app did before decision 0006: the insert inside `$transaction(tx => ...)`
//              (TaskService.submit), the claim with include, the completion inside
//              `$transaction` with include (TaskStore.finish)
// and the number of SQL statements each shape sends per task (PGlite tapped). Check the app's
// own statements with bench/tools/queryLog.ts.
//   node --import tsx bench/tools/writeShapes.ts [pglite|postgres] [seconds]
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import { openFloorDatabase } from '../lib/benchApp.js';
import { median, nowMs } from '../lib/stats.js';
import { anonymousCallerId } from '../../src/auth/caller.js';

const db = (process.argv[2] ?? 'pglite') as 'pglite' | 'postgres';
const seconds = Number(process.argv[3] ?? 3);
const concurrency = Number(process.env.BENCH_TASK_CONCURRENCY ?? 32);
const input = { title: 'Benchmark', plot: 'A task created by the benchmark.' };
const video = { video: true } as const;
const claimData = () => ({ status: 'RUNNING' as const, claimId: randomUUID(), attempts: { increment: 1 }, progress: 0, stage: 'starting', startedAt: new Date(), version: { increment: 1 } });
const doneData = () => ({ status: 'SUCCEEDED' as const, progress: 1, stage: 'done', finishedAt: new Date(), claimId: null, version: { increment: 1 } });

type Shape = (prisma: PrismaClient) => Promise<void>;
const shapes: Record<string, Shape> = {
  plain: async (prisma) => {
    const t = await prisma.task.create({ data: { callerId: anonymousCallerId, kind: 'CREATE_VIDEO', input } });
    await prisma.task.update({ where: { id: t.id, status: 'PENDING' }, data: claimData() });
    await prisma.task.update({ where: { id: t.id, status: 'RUNNING' }, data: doneData() });
  },
  include: async (prisma) => {
    const t = await prisma.task.create({ data: { callerId: anonymousCallerId, kind: 'CREATE_VIDEO', input }, include: video });
    await prisma.task.update({ where: { id: t.id, status: 'PENDING' }, data: claimData(), include: video });
    await prisma.task.update({ where: { id: t.id, status: 'RUNNING' }, data: doneData(), include: video });
  },
  before0006: async (prisma) => {
    const t = await prisma.$transaction((tx) => tx.task.create({ data: { callerId: anonymousCallerId, kind: 'CREATE_VIDEO', input }, include: video }));
    await prisma.task.update({ where: { id: t.id, status: 'PENDING' }, data: claimData(), include: video });
    await prisma.$transaction((tx) => tx.task.update({ where: { id: t.id, status: 'RUNNING' }, data: doneData(), include: video }));
  },
};

async function rate(prisma: PrismaClient, shape: Shape, secs: number): Promise<number> {
  const deadline = nowMs() + secs * 1000;
  let done = 0;
  const start = nowMs();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (nowMs() < deadline) {
      await shape(prisma);
      done++;
    }
  }));
  return (done / (nowMs() - start)) * 1000;
}

const floor = await openFloorDatabase(db);
try {
  const prisma = floor.database.prisma;
  const pglite = floor.database.pglite;
  const statements: Record<string, number> = {};
  if (pglite) {
    // Count statements of one task per shape.
    let count = 0;
    const q = pglite.query.bind(pglite);
    const t = pglite.transaction.bind(pglite);
    (pglite as unknown as { query: unknown }).query = (...args: Parameters<typeof q>) => (count++, q(...args));
    (pglite as unknown as { transaction: unknown }).transaction = (fn: Parameters<typeof t>[0]) => {
      count += 2; // BEGIN and COMMIT
      return t(async (tx) => {
        const txq = tx.query.bind(tx);
        (tx as unknown as { query: unknown }).query = (...args: Parameters<typeof txq>) => (count++, txq(...args));
        return fn(tx);
      });
    };
    for (const [name, shape] of Object.entries(shapes)) {
      count = 0;
      await shape(prisma);
      statements[name] = count;
    }
  }
  for (const shape of Object.values(shapes)) await rate(prisma, shape, 1);
  const results: Record<string, number[]> = Object.fromEntries(Object.keys(shapes).map((k) => [k, []]));
  for (let r = 0; r < 3; r++) for (const [name, shape] of Object.entries(shapes)) results[name]!.push(await rate(prisma, shape, seconds));
  const plain = median(results.plain!);
  process.stdout.write(`${db}, concurrency ${concurrency}, median of 3 x ${seconds} s:\n`);
  for (const [name, values] of Object.entries(results)) {
    const m = median(values);
    process.stdout.write(`  ${name.padEnd(10)} ${m.toFixed(0).padStart(6)} tasks/s  (${(m / plain).toFixed(2)} of plain)${statements[name] !== undefined ? `  ${statements[name]} statements per task (incl. BEGIN/COMMIT)` : ''}\n`);
  }
} finally {
  await floor.close();
}
