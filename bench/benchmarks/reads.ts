// Figures 3 and 4: task reads per second under autocannon (50 connections), REST
// `GET /videos/tasks/{id}` and GraphQL `task(id)`, against a bare node:http server that does
// the same Prisma read (the task with its video) and a JSON reply, on the same Prisma client.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import { startBenchApp, trivialProcessor, type BenchApp } from '../lib/benchApp.js';
import { ratioFigure, type BenchContext, type Benchmark, type Figure } from '../lib/figure.js';
import { runLoad, type LoadSpec } from '../lib/loadgen.js';
import { median, nowMs, sleep } from '../lib/stats.js';
import { anonymousCaller } from '../../src/auth/caller.js';

export const READ_CONNECTIONS = 50;
/** Tasks read in rotation. */
const TASKS = 20;

const taskQuery = `query($id: ID!) { task(id: $id) {
  id kind status done progress stage attempts version createdAt updatedAt startedAt finishedAt
  error { code message retryable } resources { name links { rel href } } video { id }
} }`;

/** The floor: node:http, one Prisma findUnique (task + video, as the app reads it), JSON.stringify. */
async function startFloorServer(prisma: PrismaClient): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const id = (req.url ?? '').slice('/tasks/'.length);
    prisma.task.findUnique({ where: { id }, include: { video: true } }).then(
      (task) => {
        if (!task) {
          res.writeHead(404).end();
          return;
        }
        const body = JSON.stringify(task);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
      },
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Creates `count` tasks through the service and waits until the runner has finished them. */
export async function seedTasks(bench: BenchApp, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const task = await bench.app.services.tasks.createVideoTask(anonymousCaller, { title: `Read benchmark ${i}`, plot: 'A task to be read.' });
    ids.push(task.id);
  }
  const prisma = bench.app.services.database.prisma;
  const deadline = nowMs() + 30_000;
  while (nowMs() < deadline) {
    const done = await prisma.task.count({ where: { id: { in: ids }, status: 'SUCCEEDED' } });
    if (done === ids.length) return ids;
    await sleep(50);
  }
  throw new Error('seeded tasks did not finish');
}

function readBenchmark(kind: 'rest' | 'graphql'): Benchmark {
  return {
    name: kind === 'rest' ? 'read-rest' : 'read-graphql',
    title: kind === 'rest' ? 'GET /videos/tasks/{id} requests/s (autocannon, 50 connections)' : 'GraphQL task(id) requests/s (autocannon, 50 connections)',
    perDatabase: true,
    // Short, noisy windows (50 connections on 2 shared cores): more rounds than the others.
    defaultRounds: 5,
    async run(ctx: BenchContext): Promise<Figure[]> {
      const bench = await startBenchApp({ db: ctx.db, processors: { CREATE_VIDEO: trivialProcessor } });
      const floorServer = await startFloorServer(bench.app.services.database.prisma);
      try {
        const ids = await seedTasks(bench, TASKS);
        const appSpec = (seconds: number): LoadSpec => kind === 'rest'
          ? { url: `${bench.url}/videos/tasks/${ids[0]}`, connections: READ_CONNECTIONS, durationSeconds: seconds, paths: ids.map((id) => `/videos/tasks/${id}`) }
          : {
              url: `${bench.url}/graphql`, connections: READ_CONNECTIONS, durationSeconds: seconds, method: 'POST',
              headers: { 'content-type': 'application/json' },
              // One id: autocannon's body is fixed per request template. Rows are equally cheap.
              body: JSON.stringify({ query: taskQuery, variables: { id: ids[0] } }),
            };
        const floorSpec = (seconds: number): LoadSpec => ({
          url: `${floorServer.url}/tasks/${ids[0]}`, connections: READ_CONNECTIONS, durationSeconds: seconds,
          paths: kind === 'rest' ? ids.map((id) => `/tasks/${id}`) : [`/tasks/${ids[0]}`],
        });
        // Sanity: both answer what we expect.
        const check = await runLoad({ ...appSpec(0.3), connections: 1 });
        if (check.ok === 0 || check.non2xx > 0 || check.errors > 0) throw new Error(`app answered badly: ${JSON.stringify(check)}`);
        if (kind === 'graphql') {
          const res = await fetch(`${bench.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: taskQuery, variables: { id: ids[0] } }) });
          const body = (await res.json()) as { data?: { task?: { status?: string } }; errors?: unknown };
          if (body.data?.task?.status !== 'SUCCEEDED') throw new Error(`unexpected GraphQL answer: ${JSON.stringify(body)}`);
        }
        await runLoad(floorSpec(1));
        await runLoad(appSpec(1));
        const values: number[] = [];
        const floors: number[] = [];
        const rounds: unknown[] = [];
        for (let r = 0; r < ctx.rounds; r++) {
          const floor = await runLoad(floorSpec(ctx.seconds));
          const value = await runLoad(appSpec(ctx.seconds));
          if (value.non2xx > 0 || value.errors > 0) throw new Error(`app load had failures: ${JSON.stringify(value)}`);
          floors.push(floor.requestsPerSecond);
          values.push(value.requestsPerSecond);
          rounds.push({ floor, value });
          ctx.log(`round ${r + 1}: app ${value.requestsPerSecond.toFixed(0)} req/s (p99 ${value.latencyP99} ms), floor ${floor.requestsPerSecond.toFixed(0)} req/s (p99 ${floor.latencyP99} ms)`);
        }
        const target = kind === 'rest' ? 0.7 : 0.5;
        return [ratioFigure({
          figure: kind === 'rest' ? '3' : '4',
          bench: this.name,
          name: kind === 'rest' ? 'GET /videos/tasks/{id} req/s (50 conn.) vs node:http + same Prisma read' : 'GraphQL task(id) req/s (50 conn.) vs node:http + same Prisma read',
          db: ctx.db,
          value: median(values),
          floor: median(floors),
          unit: 'req/s',
          target: `>= ${target}`,
          details: { connections: READ_CONNECTIONS, rounds },
        }, { atLeast: target }, values.map((value, i) => ({ value, floor: floors[i] as number })))];
      } finally {
        await floorServer.close();
        await bench.stop();
      }
    },
  };
}

export const readRest = readBenchmark('rest');
export const readGraphql = readBenchmark('graphql');
