// Figure 10: a subscribe storm. 2,000 graphql-ws connections, open and initialised, subscribe to
// one RUNNING task at once (one synchronous send loop); per subscriber the time from its
// subscribe message to its first event (the task's current state), p50 and p99; and how many
// task reads the app did to answer them all (TaskStore.find/findMany calls, counted in the app
// child: bench/lib/readCounter.ts). The app shares one read among every subscriber that asks
// before it starts (src/events/batchedReads.ts), so the count should be a handful, not 2,000.
// Floor: a plain `ws` echo server child, the same 2,000 connections sending the same message at
// once, each timed until its echo. App and floor run in child processes; clients stay here.
import { startAppChild, waitUntilHeld, type ChildProcessHandle } from '../lib/appChild.js';
import { ratioFigure, type BenchContext, type Benchmark, type Figure } from '../lib/figure.js';
import { median, sleep } from '../lib/stats.js';
import { openIdleConnections, storm, type StormProtocol } from '../lib/storm.js';
import { startWsFloorChild, taskSubscription } from '../lib/subscribers.js';
import { p50p99 } from '../lib/wsFloor.js';

const SUBSCRIBERS = Number(process.env.BENCH_STORM_SUBSCRIBERS ?? 2000);
const TARGET_P99_MS = 1000;
const WARM_UP_SUBSCRIBERS = 200;

function expectFirstEvent(answer: string): void {
  const message = JSON.parse(answer) as { type: string };
  if (message.type !== 'next') throw new Error(`expected the first event, got ${answer.slice(0, 300)}`);
}

/** Opens `count` idle connections, storms them with `message`, closes them. */
async function stormRound(url: string, protocol: StormProtocol, count: number, message: string, around: { before?: () => Promise<void> } = {}) {
  const sockets = await openIdleConnections(url, count, protocol);
  try {
    await sleep(200); // let the server settle after the connects
    await around.before?.();
    const result = await storm(sockets, message, 60_000, protocol === 'graphql-ws' ? expectFirstEvent : undefined);
    return { ...p50p99(result.latencies), max: Math.max(...result.latencies), sendLoopMs: result.sendLoopMs };
  } finally {
    for (const ws of sockets) ws.terminate();
    await sleep(500); // the servers drop 2,000 connections (and subscriptions) before the next round
  }
}

async function appStorm(app: ChildProcessHandle, url: string, count: number, message: string) {
  const timings = await stormRound(url, 'graphql-ws', count, message, {
    before: async () => {
      await app.request({ op: 'reads' }); // counts from here
      await app.request({ op: 'loop' });
    },
  });
  const reads = await app.request({ op: 'reads' });
  const loop = await app.request({ op: 'loop' });
  if (reads.op !== 'reads' || loop.op !== 'loop') throw new Error('unexpected reply');
  return { ...timings, reads: reads.reads, taskReads: reads.reads.find + reads.reads.findMany, appLoopUtilization: loop.utilization };
}

export const subscribeStorm: Benchmark = {
  name: 'subscribe-storm',
  title: '2,000 graphql-ws subscribers to one running task at once: time to first event, task reads',
  perDatabase: true,
  async run(ctx: BenchContext): Promise<Figure[]> {
    const app = await startAppChild({ db: ctx.db, workerConcurrency: 2, holdTimeoutMs: 600_000 });
    const floor = await startWsFloorChild({ echo: true }).catch(async (error: unknown) => {
      await app.close();
      throw error;
    });
    try {
      const created = await app.request({ op: 'create', input: { title: 'Storm', plot: 'Everyone subscribes at once.' } });
      if (created.op !== 'created') throw new Error('create failed');
      await waitUntilHeld(app, created.id);
      const appUrl = `${app.url.replace(/^http/, 'ws')}/graphql`;
      const message = JSON.stringify({ id: '1', type: 'subscribe', payload: { query: taskSubscription, variables: { id: created.id } } });

      await stormRound(floor.url, 'plain', WARM_UP_SUBSCRIBERS, message);
      await appStorm(app, appUrl, WARM_UP_SUBSCRIBERS, message);
      const apps: Awaited<ReturnType<typeof appStorm>>[] = [];
      const floors: Awaited<ReturnType<typeof stormRound>>[] = [];
      for (let r = 0; r < ctx.rounds; r++) {
        const f = await stormRound(floor.url, 'plain', SUBSCRIBERS, message);
        const a = await appStorm(app, appUrl, SUBSCRIBERS, message);
        floors.push(f);
        apps.push(a);
        ctx.log(`round ${r + 1}: first event p50 ${a.p50.toFixed(0)} ms, p99 ${a.p99.toFixed(0)} ms, max ${a.max.toFixed(0)} ms, ` +
          `${a.taskReads} task reads (${a.reads.ids} ids), app loop ${(a.appLoopUtilization * 100).toFixed(0)}% busy; ` +
          `ws echo p50 ${f.p50.toFixed(0)} ms, p99 ${f.p99.toFixed(0)} ms; send loop ${a.sendLoopMs.toFixed(0)} ms`);
      }
      const details = { subscribers: SUBSCRIBERS, app: apps, floor: floors };
      const m = <T>(rows: T[], pick: (row: T) => number) => median(rows.map(pick));
      const pairs = (pick: (row: { p50: number; p99: number }) => number) => apps.map((a, i) => ({ value: pick(a), floor: pick(floors[i] as { p50: number; p99: number }) }));
      const p99 = m(apps, (a) => a.p99);
      return [
        ratioFigure({
          figure: '10 p50', bench: this.name, db: ctx.db,
          name: `subscribe storm: ${SUBSCRIBERS.toLocaleString('en-US')} open graphql-ws connections subscribe to one running task at once, subscribe -> first event p50 (floor: ws echo of the same message)`,
          value: m(apps, (a) => a.p50), floor: m(floors, (f) => f.p50), unit: 'ms', target: 'report', details,
        }, null, pairs((r) => r.p50)),
        {
          ...ratioFigure({
            figure: '10 p99', bench: this.name, db: ctx.db,
            name: 'subscribe storm, subscribe -> first event p99 (floor: ws echo p99)',
            value: p99, floor: m(floors, (f) => f.p99), unit: 'ms', target: `p99 <= ${TARGET_P99_MS} ms`,
          }, null, pairs((r) => r.p99)),
          met: p99 <= TARGET_P99_MS,
        },
        ratioFigure({
          figure: '10 reads', bench: this.name, db: ctx.db,
          name: `subscribe storm: task reads the app made for ${SUBSCRIBERS.toLocaleString('en-US')} subscribers (floor: one read for all)`,
          value: m(apps, (a) => a.taskReads), floor: 1, unit: 'reads', target: 'report',
        }, null),
      ];
    } finally {
      await floor.close();
      await app.close();
    }
  },
};
