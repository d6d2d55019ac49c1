// Figure 13: what operating the server costs (issue 12). Figures 1 and 3's loads, each run
// against two apps in alternating rounds: one as an operator runs it (info logs, a line per
// request written synchronously to a file as to a pipe, metrics on and scraped every second)
// and one without (metrics off, warnings only). The ratio is operated / bare per round.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { createLogger } from '../../src/logger.js';
import { startBenchApp, trivialProcessor, type BenchApp } from '../lib/benchApp.js';
import { ratioFigure, type BenchContext, type Benchmark, type Figure } from '../lib/figure.js';
import { runLoad } from '../lib/loadgen.js';
import { median, sleep } from '../lib/stats.js';
import { READ_CONNECTIONS, seedTasks } from './reads.js';
import { appTasksPerSecond, TASK_WORKERS } from './taskThroughput.js';

/** Far more often than Prometheus's default (every 15 s or more): an upper bound on the scrape's cost. */
const SCRAPE_INTERVAL_MS = 1000;

interface Variants {
  bare: BenchApp;
  operated: BenchApp;
  logFile: string;
  /** Scrapes the operated app's /metrics until stopped; resolves with the number of scrapes. */
  scrape(): { stop(): Promise<number> };
  stop(): Promise<void>;
}

async function startVariants(ctx: BenchContext): Promise<Variants> {
  const logDir = await fs.mkdtemp(path.join(os.tmpdir(), 'longrun-bench-logs-'));
  const logFile = path.join(logDir, 'operated.log');
  // sync: as the server writes to a pipe or a terminal (process.stderr is synchronous there on Linux).
  const destination = pino.destination({ dest: logFile, sync: true });
  const shared = { db: ctx.db, processors: { CREATE_VIDEO: trivialProcessor }, config: { workerConcurrency: TASK_WORKERS } } as const;
  const bare = await startBenchApp({ ...shared, metrics: false });
  const operated = await startBenchApp({ ...shared, logger: createLogger('info', { destination, role: 'all' }) })
    .catch(async (error: unknown) => {
      await bare.stop();
      throw error;
    });
  return {
    bare,
    operated,
    logFile,
    scrape() {
      let running = true;
      let scrapes = 0;
      const loop = (async () => {
        while (running) {
          const response = await fetch(`${operated.url}/metrics`);
          if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
          await response.text();
          scrapes++;
          await sleep(SCRAPE_INTERVAL_MS);
        }
      })();
      // A failed scrape is reported by stop(), not as an unhandled rejection that ends the process mid-round.
      loop.catch(() => undefined);
      return {
        async stop() {
          running = false;
          await loop;
          return scrapes;
        },
      };
    },
    async stop() {
      try {
        await Promise.allSettled([bare.stop(), operated.stop()]);
      } finally {
        destination.destroy();
        await fs.rm(logDir, { recursive: true, force: true });
      }
    },
  };
}

async function logLines(file: string): Promise<number> {
  const text = await fs.readFile(file, 'utf8');
  return text.split('\n').filter(Boolean).length;
}

/**
 * Alternating rounds: `measure(bare)` and `measure(operated)` (while the operated app is scraped),
 * bare first in even rounds and second in odd ones, so neither always runs on the data and the
 * machine the other left behind.
 */
async function alternate(
  variants: Variants,
  ctx: BenchContext,
  label: string,
  measure: (app: BenchApp) => Promise<number>,
): Promise<{ bare: number[]; operated: number[]; rounds: unknown[] }> {
  const bare: number[] = [];
  const operated: number[] = [];
  const rounds: unknown[] = [];
  const measureOperated = async () => {
    const linesBefore = await logLines(variants.logFile);
    const scraper = variants.scrape();
    let value: number;
    try {
      value = await measure(variants.operated);
    } catch (error) {
      // A scrape loop left running would keep the bench alive after the failure.
      await scraper.stop().catch(() => 0);
      throw error;
    }
    const scrapes = await scraper.stop();
    return { value, scrapes, lines: (await logLines(variants.logFile)) - linesBefore };
  };
  for (let r = 0; r < ctx.rounds; r++) {
    let bareValue: number;
    let operatedRound: { value: number; scrapes: number; lines: number };
    if (r % 2 === 0) {
      bareValue = await measure(variants.bare);
      operatedRound = await measureOperated();
    } else {
      operatedRound = await measureOperated();
      bareValue = await measure(variants.bare);
    }
    const { value: operatedValue, scrapes, lines } = operatedRound;
    bare.push(bareValue);
    operated.push(operatedValue);
    rounds.push({ bare: bareValue, operated: operatedValue, logLines: lines, scrapes });
    ctx.log(`${label} round ${r + 1}: operated ${operatedValue.toFixed(0)}, bare ${bareValue.toFixed(0)} (${lines} log lines, ${scrapes} scrapes)`);
  }
  return { bare, operated, rounds };
}

export const operatingCost: Benchmark = {
  name: 'operating-cost',
  title: 'figures 1 and 3 with info logs and scraped metrics against without (issue 12)',
  perDatabase: true,
  defaultRounds: 5,
  async run(ctx: BenchContext): Promise<Figure[]> {
    const variants = await startVariants(ctx);
    try {
      const tasksPerSecond = async (bench: BenchApp) =>
        (await appTasksPerSecond(bench.url, bench.app.services.database.prisma, 'graphql', ctx.seconds)).tasksPerSecond;
      // Warm-up both: JIT, pools, query plans.
      for (const bench of [variants.bare, variants.operated]) {
        await appTasksPerSecond(bench.url, bench.app.services.database.prisma, 'graphql', 1);
      }
      const tasks = await alternate(variants, ctx, 'figure 1 load', tasksPerSecond);

      const readIds = new Map<BenchApp, string[]>();
      for (const bench of [variants.bare, variants.operated]) readIds.set(bench, await seedTasks(bench, 20));
      const readsPerSecond = async (bench: BenchApp) => {
        const ids = readIds.get(bench) ?? [];
        const load = await runLoad({
          url: `${bench.url}/videos/tasks/${ids[0]}`, connections: READ_CONNECTIONS, durationSeconds: ctx.seconds,
          paths: ids.map((id) => `/videos/tasks/${id}`),
        });
        if (load.non2xx > 0 || load.errors > 0) throw new Error(`read load had failures: ${JSON.stringify(load)}`);
        return load.requestsPerSecond;
      };
      await readsPerSecond(variants.bare);
      await readsPerSecond(variants.operated);
      const reads = await alternate(variants, ctx, 'figure 3 load', readsPerSecond);

      const pairs = (result: { bare: number[]; operated: number[] }) =>
        result.operated.map((value, i) => ({ value, floor: result.bare[i] as number }));
      return [
        ratioFigure({
          figure: '13a',
          bench: this.name,
          name: 'figure 1 (tasks/s via GraphQL) with info logs + metrics scraped every 1 s vs without',
          db: ctx.db,
          value: median(tasks.operated),
          floor: median(tasks.bare),
          unit: 'tasks/s',
          target: '>= 0.95',
          details: { scrapeIntervalMs: SCRAPE_INTERVAL_MS, rounds: tasks.rounds },
        }, { atLeast: 0.95 }, pairs(tasks)),
        ratioFigure({
          figure: '13b',
          bench: this.name,
          name: 'figure 3 (GET /videos/tasks/{id} req/s) with info logs + metrics scraped every 1 s vs without',
          db: ctx.db,
          value: median(reads.operated),
          floor: median(reads.bare),
          unit: 'req/s',
          target: '>= 0.95',
          details: { scrapeIntervalMs: SCRAPE_INTERVAL_MS, rounds: reads.rounds },
        }, { atLeast: 0.95 }, pairs(reads)),
      ];
    } finally {
      await variants.stop();
    }
  },
};
