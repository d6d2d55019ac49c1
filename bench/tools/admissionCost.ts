// Diagnostic: what callers cost a task creation. REST POST /videos/tasks at a fixed concurrency
// against two servers on the same database kind, measured in alternating rounds:
//   anonymous   no authentication, no quotas (the default: no admission step)
//   callers     API keys, the authenticated default quotas (the bucket upsert, the count of
//               tasks under way and the media sum run in each creating transaction)
//               (one caller's creations pass one at a time: its usage row is their lock;
//               with several callers they run side by side)
//   node --import tsx bench/tools/admissionCost.ts [pglite|postgres] [tasks per round] [rounds] [callers]
import { loadAuthSettings } from '../../src/auth/authSettings.js';
import { authenticatedQuotaDefaults } from '../../src/callers/quotas.js';
import { startBenchApp, trivialProcessor, type BenchDb } from '../lib/benchApp.js';

const db = (process.argv[2] ?? 'postgres') as BenchDb;
const perRound = Number(process.argv[3] ?? 600);
const rounds = Number(process.argv[4] ?? 3);
const callerCount = Number(process.argv[5] ?? 1);
const concurrency = 16;
const keys = Array.from({ length: callerCount }, (_, i) => `bench-caller-${i}-secret-0123456789`);

async function createMany(url: string, headersOf: (i: number) => Record<string, string>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < perRound) {
      const i = next++;
      const res = await fetch(`${url}/videos/tasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headersOf(i) },
        body: JSON.stringify({ title: 'Admitted', plot: 'Counted against its caller.' }),
      });
      if (res.status !== 202) throw new Error(`create answered ${res.status}: ${await res.text()}`);
    }
  }));
  return perRound / ((performance.now() - started) / 1000);
}

const common = { processors: { CREATE_VIDEO: trivialProcessor }, db };
const anonymous = await startBenchApp(common);
const callers = await startBenchApp({
  ...common,
  config: {
    auth: loadAuthSettings({ API_KEYS: keys.map((key, i) => `bench${i}:${key}`).join(',') }),
    // The defaults, with room for every task of the run under way at once.
    quotas: { ...authenticatedQuotaDefaults, creationsPerMinute: 1_000_000, creationBurst: 1_000_000, activeTasks: 1_000_000 },
  },
});
try {
  const results: { anonymous: number[]; callers: number[] } = { anonymous: [], callers: [] };
  for (let round = 0; round < rounds; round++) {
    results.anonymous.push(await createMany(anonymous.url, () => ({})));
    results.callers.push(await createMany(callers.url, (i) => ({ authorization: `Bearer ${keys[i % keys.length]}` })));
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const [a, c] = [median(results.anonymous), median(results.callers)];
  process.stdout.write(`${db}: creations/s, median of ${rounds} rounds of ${perRound} at concurrency ${concurrency}, ${callerCount} caller(s)\n`);
  process.stdout.write(`  anonymous ${a.toFixed(0)} (${results.anonymous.map((v) => v.toFixed(0)).join(', ')})\n`);
  process.stdout.write(`  callers   ${c.toFixed(0)} (${results.callers.map((v) => v.toFixed(0)).join(', ')})\n`);
  process.stdout.write(`  ratio callers/anonymous ${(c / a).toFixed(2)}\n`);
} finally {
  await Promise.all([anonymous.stop(), callers.stop()]);
}
