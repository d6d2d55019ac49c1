// Figure 5: at 100 new tasks per second, each followed by a graphql-ws subscription,
//   (a) create -> first event: from sending the createVideoTask mutation until the client
//       holds the first event of the taskUpdated subscription it opened on the answer
//       (mutation round trip + subscribe + the service's read of the current state), and
//   (b) completion -> terminal event: from the processor's end (timestamped in the app's
//       process as the processor returns) until the client has the terminal event: the worker's
//       terminal write and commit, the database's NOTIFY, the app's re-read of the task and the
//       send. The app no longer publishes anything itself, so there is no later point in the app
//       to start from; the row's updatedAt (the worker's clock just before that write, ms
//       resolution) gives a cross-check, kept in the details as `fromWrite`.
// The app runs in a child process (clients here must not share its event loop); timestamps
// across the two processes are epoch milliseconds with sub-millisecond resolution.
// The processor holds each task until its subscriber has the first event, so (b) always
// measures a live subscription and not a late subscriber's first read.
// Floor: a plain `ws` echo round trip at the same rate (database-independent, measured once).
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { profileWindow, startAppChild } from '../lib/appChild.js';
import { ratioFigure, type BenchContext, type Benchmark, type Figure } from '../lib/figure.js';
import { epochMs, median, nowMs, sleep } from '../lib/stats.js';
import { p50p99, wsEchoRoundTrips } from '../lib/wsFloor.js';

const RATE = 100;
const CLIENTS = 8;
const subscription = 'subscription($id: ID!) { taskUpdated(id: $id) { id status done progress stage version updatedAt } }';
const mutation = 'mutation($input: CreateVideoInput!) { createVideoTask(input: $input) { id status } }';

let floorCache: Promise<{ p50: number; p99: number; n: number; rounds: unknown[] }> | null = null;

function echoFloor(ctx: BenchContext) {
  floorCache ??= (async () => {
    const rounds: { p50: number; p99: number; n: number }[] = [];
    await wsEchoRoundTrips({ ratePerSecond: RATE, seconds: 1, clients: CLIENTS, payload: 'x'.repeat(300) });
    for (let r = 0; r < ctx.rounds; r++) {
      rounds.push(p50p99(await wsEchoRoundTrips({ ratePerSecond: RATE, seconds: ctx.seconds, clients: CLIENTS, payload: 'x'.repeat(300) })));
    }
    return { p50: median(rounds.map((r) => r.p50)), p99: median(rounds.map((r) => r.p99)), n: rounds.reduce((s, r) => s + r.n, 0), rounds };
  })();
  return floorCache;
}

export const subscriptionLatency: Benchmark = {
  name: 'subscription-latency',
  title: 'create -> first subscription event and processor end -> terminal event, p50/p99 at 100 tasks/s',
  perDatabase: true,
  async run(ctx: BenchContext): Promise<Figure[]> {
    // The default WORKER_CONCURRENCY (CPU count). Neither 5a (the first event is the snapshot
    // read, running or not) nor 5b (from the processor's end) waits for a free slot, and idle
    // slots are not free: each new job's notification makes every idle slot fetch (32 slots
    // measured here: 5a p50 0.6 s on PostgreSQL, 5 s on PGlite; see bench/README.md).
    const app = await startAppChild({ db: ctx.db, workerConcurrency: loadConfig({}).workerConcurrency, holdTimeoutMs: 10_000 });
    const clients: Client[] = Array.from({ length: CLIENTS }, () => createClient({
      url: `${app.url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false,
    }));
    try {
      const floor = await echoFloor(ctx);

      const runRound = async (seconds: number) => {
        const first: number[] = [];
        const mutationMs: number[] = [];
        const receivedAt = new Map<string, number>();
        /** Date.now() at the terminal event minus the row's updatedAt in it (one clock, ms). */
        const fromWrite: number[] = [];
        const problems: string[] = [];
        let finished = 0;
        const total = Math.round(RATE * seconds);
        const one = async (i: number) => {
          const t0 = nowMs();
          const res = await fetch(`${app.url}/graphql`, {
            method: 'POST', headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: mutation, variables: { input: { title: `Latency ${i}`, plot: 'Followed by a subscriber.' } } }),
          });
          const body = (await res.json()) as { data?: { createVideoTask?: { id: string } } };
          mutationMs.push(nowMs() - t0);
          const id = body.data?.createVideoTask?.id;
          if (!id) {
            problems.push(`create failed: ${JSON.stringify(body)}`);
            finished++;
            return;
          }
          let gotFirst = false;
          clients[i % CLIENTS]!.subscribe<{ taskUpdated: { status: string; done: boolean; updatedAt: string } }>({ query: subscription, variables: { id } }, {
            next: (event) => {
              const at = nowMs();
              if (!gotFirst) {
                gotFirst = true;
                first.push(at - t0);
                app.post({ op: 'release', ids: [id] });
              }
              if (event.data?.taskUpdated.done) {
                receivedAt.set(id, epochMs());
                fromWrite.push(Date.now() - Date.parse(event.data.taskUpdated.updatedAt));
              }
            },
            error: (error) => {
              problems.push(`subscription error: ${JSON.stringify(error)}`);
              finished++;
            },
            complete: () => {
              finished++;
            },
          });
        };
        await app.request({ op: 'loop' });
        await app.request({ op: 'reads' });
        const interval = 1000 / RATE;
        const start = nowMs();
        const started: Promise<void>[] = [];
        for (let i = 0; i < total; i++) {
          const wait = start + i * interval - nowMs();
          if (wait > 0) await sleep(wait);
          started.push(one(i).catch((error: unknown) => {
            problems.push(String(error));
            finished++;
          }));
        }
        await Promise.all(started);
        const deadline = nowMs() + 15_000;
        while (finished < total && nowMs() < deadline) await sleep(5);
        if (finished < total) problems.push(`${total - finished} of ${total} subscriptions did not complete`);
        const loop = await app.request({ op: 'loop' });
        const reads = await app.request({ op: 'reads' });
        if (loop.op !== 'loop' || reads.op !== 'reads') throw new Error('unexpected reply');
        if (receivedAt.size < total) problems.push(`${total - receivedAt.size} of ${total} terminal events missing`);
        if (problems.length > 0) throw new Error(`subscription round failed: ${problems.slice(0, 3).join('; ')}`);
        const ids = [...receivedAt.keys()];
        const reply = await app.request({ op: 'processorEnds', ids });
        if (reply.op !== 'processorEnds') throw new Error('unexpected reply');
        const terminal = ids.map((id, i) => (receivedAt.get(id) as number) - (reply.times[i] ?? Number.NaN));
        if (terminal.some((t) => !Number.isFinite(t))) throw new Error('a terminal event was received for a task whose processor never returned');
        return {
          first: p50p99(first), terminal: p50p99(terminal), fromWrite: p50p99(fromWrite), mutation: p50p99(mutationMs),
          appLoop: { utilization: loop.utilization, delayP99: loop.delayP99, delayMax: loop.delayMax },
          /** Task rows read per task (the worker's, the subscription's first state, re-reads), and the queries that read them (shared reads batch ids). */
          taskRowsReadPerTask: reads.reads.ids / total,
          taskReadQueriesPerTask: (reads.reads.find + reads.reads.findMany) / total,
        };
      };

      await runRound(2); // warm-up: JIT, connection pools, a fresh database's first plans
      const rounds: Awaited<ReturnType<typeof runRound>>[] = [];
      for (let r = 0; r < ctx.rounds; r++) {
        const round = await profileWindow(app, `subscription-latency-${ctx.db}-round${r + 1}`, () => runRound(ctx.seconds));
        rounds.push(round);
        ctx.log(`round ${r + 1}: create->first p50 ${round.first.p50.toFixed(1)} p99 ${round.first.p99.toFixed(1)} ms (of which the mutation p50 ${round.mutation.p50.toFixed(1)} p99 ${round.mutation.p99.toFixed(1)}); processor end->terminal event p50 ${round.terminal.p50.toFixed(1)} p99 ${round.terminal.p99.toFixed(1)} ms (n=${round.terminal.n}; from the row's updatedAt p50 ${round.fromWrite.p50.toFixed(0)} p99 ${round.fromWrite.p99.toFixed(0)} ms); app event loop ${(round.appLoop.utilization * 100).toFixed(0)}% busy, delay p99 ${round.appLoop.delayP99.toFixed(1)} ms; ${round.taskRowsReadPerTask.toFixed(1)} task rows read per task in ${round.taskReadQueriesPerTask.toFixed(1)} queries`);
      }
      ctx.log(`ws echo floor: p50 ${floor.p50.toFixed(2)} ms, p99 ${floor.p99.toFixed(2)} ms`);
      const figure = (id: string, name: string, value: number, floorValue: number, targeted: boolean): Figure => {
        const f = ratioFigure({
          figure: id, bench: 'subscription-latency', name, db: ctx.db, value, floor: floorValue, unit: 'ms',
          target: targeted ? 'p99 <= 20 ms' : 'report',
          details: { ratePerSecond: RATE, clients: CLIENTS, rounds, floor },
        }, null);
        return targeted ? { ...f, met: value <= 20 } : f;
      };
      const m = (pick: (r: (typeof rounds)[number]) => number) => median(rounds.map(pick));
      return [
        figure('5a p50', 'create -> first subscription event, p50, at 100 tasks/s (floor: ws echo round trip p50)', m((r) => r.first.p50), floor.p50, false),
        figure('5a p99', 'create -> first subscription event, p99, at 100 tasks/s (floor: ws echo round trip p99)', m((r) => r.first.p99), floor.p99, true),
        figure('5b p50', 'processor end -> client has terminal event (write, NOTIFY, re-read, send), p50 (floor: ws echo p50)', m((r) => r.terminal.p50), floor.p50, false),
        figure('5b p99', 'processor end -> client has terminal event (write, NOTIFY, re-read, send), p99 (floor: ws echo p99)', m((r) => r.terminal.p99), floor.p99, true),
      ];
    } finally {
      await Promise.all(clients.map((c) => c.dispose()));
      await app.close();
    }
  },
};
