// Figure 6: memory per idle graphql-ws subscriber with 5,000 subscribers held by one app
// process, against a plain `ws` server process holding 5,000 idle sockets.
// Both servers run as child processes with --expose-gc; the clients live in this process.
// Per round and server: memory after start-up and a small warm-up (GC'd), then with 5,000
// clients connected (every app client subscribed to the same running task and holding its
// first event), GC'd again; the figure is (after - before) / 5,000, in KiB of RSS.
// Database-independent: measured once. The app child uses PostgreSQL (BENCH_SUBSCRIBER_DB
// overrides): every subscriber's first event is a read of the task, and 5,000 of them take about
// 10 s there against about 25 s on the embedded PGlite, which shares the app's one thread.
import path from 'node:path';
import { startAppChild } from '../lib/appChild.js';
import { ratioFigure, type BenchContext, type Benchmark, type Figure } from '../lib/figure.js';
import { median, sleep } from '../lib/stats.js';
import { openSubscribers, startWsFloorChild, SUBSCRIBERS } from '../lib/subscribers.js';

interface Sample {
  /** Seconds to connect (and subscribe) every client. */
  connectSeconds: number;
  rssKiB: number;
  heapKiB: number;
  externalKiB: number;
}

function perSocket(before: NodeJS.MemoryUsage, after: NodeJS.MemoryUsage, count: number, connectSeconds: number): Sample {
  return {
    connectSeconds,
    rssKiB: (after.rss - before.rss) / count / 1024,
    heapKiB: (after.heapUsed - before.heapUsed) / count / 1024,
    externalKiB: (after.external - before.external) / count / 1024,
  };
}

async function appRound(): Promise<Sample> {
  const app = await startAppChild({ db: (process.env.BENCH_SUBSCRIBER_DB ?? 'postgres') as 'pglite' | 'postgres', workerConcurrency: 2, holdTimeoutMs: 600_000, exposeGc: true });
  try {
    const created = await app.request({ op: 'create', input: { title: 'Watched by many', plot: 'Held while subscribers idle.' } });
    if (created.op !== 'created') throw new Error('create failed');
    const wsUrl = `${app.url.replace(/^http/, 'ws')}/graphql`;
    const warm = await openSubscribers(wsUrl, 50, created.id);
    warm.close();
    await sleep(300);
    const before = await app.request({ op: 'memory' });
    // BENCH_HEAP_DIR=dir: heap snapshots before and after (diagnostics; see bench/tools/heapDiff.ts).
    const heapDir = process.env.BENCH_HEAP_DIR;
    if (heapDir) await app.request({ op: 'heapSnapshot', file: path.resolve(heapDir, 'subscribers-before.heapsnapshot') });
    const t0 = performance.now();
    const subscribers = await openSubscribers(wsUrl, SUBSCRIBERS, created.id);
    const connectSeconds = (performance.now() - t0) / 1000;
    try {
      await sleep(300);
      const after = await app.request({ op: 'memory' });
      if (heapDir) await app.request({ op: 'heapSnapshot', file: path.resolve(heapDir, 'subscribers-after.heapsnapshot') });
      if (before.op !== 'memory' || after.op !== 'memory') throw new Error('unexpected reply');
      return perSocket(before.usage, after.usage, SUBSCRIBERS, connectSeconds);
    } finally {
      subscribers.close();
    }
  } finally {
    await app.close();
  }
}

async function floorRound(): Promise<Sample> {
  const server = await startWsFloorChild();
  try {
    const warm = await openSubscribers(server.url, 50, null);
    warm.close();
    await sleep(300);
    const before = await server.memory();
    const t0 = performance.now();
    const sockets = await openSubscribers(server.url, SUBSCRIBERS, null);
    const connectSeconds = (performance.now() - t0) / 1000;
    try {
      await sleep(300);
      return perSocket(before, await server.memory(), SUBSCRIBERS, connectSeconds);
    } finally {
      sockets.close();
    }
  } finally {
    await server.close();
  }
}

export const subscriberMemory: Benchmark = {
  name: 'subscriber-memory',
  title: 'memory per idle graphql-ws subscriber, 5,000 held by one process',
  perDatabase: false,
  async run(ctx: BenchContext): Promise<Figure[]> {
    const apps: Sample[] = [];
    const floors: Sample[] = [];
    for (let r = 0; r < ctx.rounds; r++) {
      const floor = await floorRound();
      const app = await appRound();
      floors.push(floor);
      apps.push(app);
      ctx.log(`round ${r + 1}: app ${app.rssKiB.toFixed(1)} KiB RSS (${app.heapKiB.toFixed(1)} heap, ${app.externalKiB.toFixed(1)} external) per subscriber; ` +
        `ws floor ${floor.rssKiB.toFixed(1)} KiB RSS (${floor.heapKiB.toFixed(1)} heap) per socket; connecting took ${app.connectSeconds.toFixed(1)} s (app) and ${floor.connectSeconds.toFixed(1)} s (floor)`);
    }
    const m = (samples: Sample[], key: keyof Sample) => median(samples.map((s) => s[key]));
    return [
      ratioFigure({
        figure: '6', bench: this.name, db: 'any',
        name: `RSS per idle graphql-ws subscriber (${SUBSCRIBERS.toLocaleString('en-US')} on one process) vs plain ws socket`,
        value: m(apps, 'rssKiB'), floor: m(floors, 'rssKiB'), unit: 'KiB', target: '<= 1.5',
        details: { subscribers: SUBSCRIBERS, app: apps, floor: floors },
      }, { atMost: 1.5 }, apps.map((a, i) => ({ value: a.rssKiB, floor: (floors[i] as Sample).rssKiB }))),
      ratioFigure({
        figure: '6 (heap)', bench: this.name, db: 'any',
        name: 'V8 heap used per idle subscriber vs plain ws socket (same runs; informative)',
        value: m(apps, 'heapKiB'), floor: m(floors, 'heapKiB'), unit: 'KiB', target: 'report',
      }, null, apps.map((a, i) => ({ value: a.heapKiB, floor: (floors[i] as Sample).heapKiB }))),
    ];
  },
};
