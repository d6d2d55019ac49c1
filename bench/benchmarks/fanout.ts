// Figure 7: one task change fanned out to 5,000 graphql-ws subscribers of that task, from the
// moment the processor reports it (timestamped in the app's process, just before its progress
// call; the app then writes it, the database announces the commit, the app re-reads the task
// once and sends it to every subscriber) until the last subscriber has the `next` message; against a plain `ws` server process broadcasting the same
// payload (the app's own message, captured) to 5,000 idle sockets, from just before its first
// send. Both servers are child processes, the clients live here; times are epoch milliseconds
// with sub-millisecond resolution, comparable between processes on one machine.
// The change is a progress update of a running task (the processor reports it on request), so
// the same 5,000 subscriptions serve every round. Database-independent: measured once, with the
// app on PostgreSQL (see subscriberMemory.ts; BENCH_SUBSCRIBER_DB overrides).
import { profileWindow, startAppChild, waitUntilHeld } from '../lib/appChild.js';
import { ratioFigure, type BenchContext, type Benchmark, type Figure } from '../lib/figure.js';
import { epochMs, median, sleep } from '../lib/stats.js';
import { openSubscribers, startWsFloorChild, SUBSCRIBERS, type Subscribers } from '../lib/subscribers.js';

/** Counts messages until `expected` have arrived; resolves with the epoch ms of the first and last. */
function arrivals(subscribers: Subscribers) {
  let expected = 0;
  let count = 0;
  let first = 0;
  let sample = '';
  let done: ((value: { first: number; last: number; sample: string }) => void) | null = null;
  subscribers.onMessage((data) => {
    if (!done) return;
    const at = epochMs();
    if (count++ === 0) {
      first = at;
      sample = data;
    }
    if (count === expected) {
      const resolve = done;
      done = null;
      resolve({ first, last: at, sample });
    }
  });
  return (n: number, timeoutMs: number) => {
    expected = n;
    count = 0;
    return new Promise<{ first: number; last: number; sample: string }>((resolve, reject) => {
      const timer = setTimeout(() => {
        done = null;
        reject(new Error(`only ${count} of ${n} subscribers got the change within ${timeoutMs} ms`));
      }, timeoutMs);
      done = (value) => {
        clearTimeout(timer);
        resolve(value);
      };
    });
  };
}

export const fanout: Benchmark = {
  name: 'fanout',
  title: 'one task change fanned out to 5,000 subscribers: time until the last has it',
  perDatabase: false,
  async run(ctx: BenchContext): Promise<Figure[]> {
    const db = (process.env.BENCH_SUBSCRIBER_DB ?? 'postgres') as 'pglite' | 'postgres';
    const app = await startAppChild({ db, workerConcurrency: 2, holdTimeoutMs: 600_000 });
    const floor = await startWsFloorChild();
    let appSubs: Subscribers | null = null;
    let floorSubs: Subscribers | null = null;
    try {
      const created = await app.request({ op: 'create', input: { title: 'Fan-out', plot: 'One change, many subscribers.' } });
      if (created.op !== 'created') throw new Error('create failed');
      const id = created.id;
      // The processor must hold the task before it can report progress.
      await waitUntilHeld(app, id);
      appSubs = await openSubscribers(`${app.url.replace(/^http/, 'ws')}/graphql`, SUBSCRIBERS, id);
      floorSubs = await openSubscribers(floor.url, SUBSCRIBERS, null);
      const appArrivals = arrivals(appSubs);
      const floorArrivals = arrivals(floorSubs);

      let step = 0;
      const appRound = async () => {
        step++;
        const got = appArrivals(SUBSCRIBERS, 30_000);
        await app.request({ op: 'reads' });
        const [{ first, last, sample }, reported] = await Promise.all([got, app.request({ op: 'progress', id, fraction: step / 100 })]);
        if (reported.op !== 'progress') throw new Error('unexpected reply');
        const delivered = (JSON.parse(sample) as { payload: { data: { taskUpdated: { progress: number } } } }).payload.data.taskUpdated;
        if (delivered.progress !== step / 100) throw new Error(`expected progress ${step / 100}, the subscribers got ${delivered.progress}`);
        const reads = await app.request({ op: 'reads' });
        if (reads.op !== 'reads') throw new Error('unexpected reply');
        await sleep(150); // past the progress throttle (100 ms), so the next report is written at once
        return { firstMs: first - reported.at, lastMs: last - reported.at, sample, reads: reads.reads };
      };
      const floorRound = async (payload: string) => {
        const got = floorArrivals(SUBSCRIBERS, 30_000);
        const { at, sent } = await floor.broadcast(payload);
        if (sent !== SUBSCRIBERS) throw new Error(`floor holds ${sent} sockets`);
        const { first, last } = await got;
        await sleep(150);
        return { firstMs: first - at, lastMs: last - at };
      };

      const warm = await appRound();
      await floorRound(warm.sample);
      const values: number[] = [];
      const floors: number[] = [];
      const rounds: unknown[] = [];
      for (let r = 0; r < ctx.rounds; r++) {
        const a = await profileWindow(app, `fanout-round${r + 1}`, appRound);
        const f = await floorRound(a.sample);
        values.push(a.lastMs);
        floors.push(f.lastMs);
        rounds.push({ app: { firstMs: a.firstMs, lastMs: a.lastMs, taskReads: a.reads }, floor: f, payloadBytes: Buffer.byteLength(a.sample) });
        ctx.log(`round ${r + 1}: app first ${a.firstMs.toFixed(1)} ms, last ${a.lastMs.toFixed(1)} ms (${a.reads.findMany + a.reads.find} task reads); ws broadcast first ${f.firstMs.toFixed(1)} ms, last ${f.lastMs.toFixed(1)} ms (${Buffer.byteLength(a.sample)} B payload)`);
      }
      return [ratioFigure({
        figure: '7', bench: this.name, db: 'any',
        name: `one change to ${SUBSCRIBERS.toLocaleString('en-US')} subscribers of a task, from the processor's report until the last has it, vs plain ws broadcast of the same payload`,
        value: median(values), floor: median(floors), unit: 'ms', target: '<= 2',
        details: { subscribers: SUBSCRIBERS, appDatabase: db, rounds },
      }, { atMost: 2 }, values.map((value, i) => ({ value, floor: floors[i] as number })))];
    } finally {
      appSubs?.close();
      floorSubs?.close();
      await floor.close();
      await app.close();
    }
  },
};
