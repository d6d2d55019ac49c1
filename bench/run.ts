// Runs the benchmarks of issue 4 and writes bench/results/latest.{md,json}.
//
//   node --import tsx bench/run.ts                 all, on pglite and postgres
//   node --import tsx bench/run.ts tasks-graphql   one (or several) by name
//   options: --db pglite|postgres   --rounds N   --seconds S   --out NAME (results file stem)
//
// A run of every benchmark on both databases writes latest.*; any narrower run writes
// partial.* (so a single benchmark never overwrites the full table).
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Benchmark, BenchContext, Figure } from './lib/figure.js';
import { renderMarkdown } from './lib/report.js';
import { benchmarks } from './benchmarks/index.js';

interface Args {
  /** Set when --rounds was given: overrides every benchmark's default. */
  roundsGiven: boolean;
  names: string[];
  dbs: ('pglite' | 'postgres')[];
  rounds: number;
  seconds: number;
  out: string | null;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { roundsGiven: false, names: [], dbs: ['pglite', 'postgres'], rounds: 3, seconds: 3, out: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--db') {
      const db = value();
      if (db !== 'pglite' && db !== 'postgres') throw new Error('--db must be pglite or postgres');
      args.dbs = [db];
    } else if (arg === '--rounds') {
      args.rounds = Number(value());
      args.roundsGiven = true;
    } else if (arg === '--seconds') args.seconds = Number(value());
    else if (arg === '--out') args.out = value();
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`usage: npm run bench -- [name ...] [--db pglite|postgres] [--rounds N] [--seconds S] [--out NAME]\nbenchmarks:\n${benchmarks.map((b) => `  ${b.name.padEnd(18)} ${b.title}`).join('\n')}\n`);
      process.exit(0);
    } else args.names.push(arg);
  }
  for (const name of args.names) {
    if (!benchmarks.some((b) => b.name === name)) throw new Error(`unknown benchmark ${name}; known: ${benchmarks.map((b) => b.name).join(', ')}`);
  }
  if (!(args.rounds >= 1) || !(args.seconds > 0)) throw new Error('--rounds must be >= 1 and --seconds > 0');
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const selected: Benchmark[] = args.names.length > 0 ? benchmarks.filter((b) => args.names.includes(b.name)) : benchmarks;
  const full = args.names.length === 0 && args.dbs.length === 2 && !args.roundsGiven && args.seconds === 3;
  const started = Date.now();
  const figures: Figure[] = [];
  const failures: { bench: string; db: string; error: string }[] = [];
  for (const bench of selected) {
    const dbs = bench.perDatabase ? args.dbs : (['pglite'] as const);
    for (const db of dbs) {
      const label = bench.perDatabase ? `${bench.name} [${db}]` : bench.name;
      const t0 = Date.now();
      process.stderr.write(`\n== ${label}: ${bench.title}\n`);
      const ctx: BenchContext = {
        db,
        rounds: args.roundsGiven ? args.rounds : bench.defaultRounds ?? args.rounds,
        seconds: args.seconds,
        log: (message) => process.stderr.write(`   ${label}: ${message}\n`),
      };
      try {
        const result = await bench.run(ctx);
        figures.push(...result);
        for (const f of result) {
          process.stderr.write(`   -> ${f.figure} ${f.value.toFixed(2)} ${f.unit} / floor ${f.floor.toFixed(2)} = ${f.ratio.toFixed(2)} (target ${f.target}: ${f.met === null ? 'report' : f.met ? 'met' : 'MISSED'})\n`);
        }
      } catch (error) {
        const message = error instanceof Error ? error.stack ?? error.message : String(error);
        process.stderr.write(`   FAILED: ${message}\n`);
        failures.push({ bench: bench.name, db, error: error instanceof Error ? error.message : String(error) });
      }
      process.stderr.write(`   (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
    }
  }
  const totalSeconds = (Date.now() - started) / 1000;
  const report = {
    date: new Date(started).toISOString(),
    totalSeconds,
    machine: { cpus: os.availableParallelism(), cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
    settings: { rounds: args.rounds, secondsPerWindow: args.seconds, dbs: args.dbs, benchmarks: selected.map((b) => b.name) },
    figures,
    failures,
  };
  const dir = path.join(import.meta.dirname, 'results');
  await mkdir(dir, { recursive: true });
  const stem = args.out ?? (full ? 'latest' : 'partial');
  await writeFile(path.join(dir, `${stem}.json`), JSON.stringify(report, null, 2) + '\n');
  const markdown = renderMarkdown(report);
  await writeFile(path.join(dir, `${stem}.md`), markdown);
  process.stdout.write(`\n${markdown}\nwrote bench/results/${stem}.md and .json in ${totalSeconds.toFixed(0)} s\n`);
  process.exitCode = failures.length > 0 ? 1 : 0;
}

main().then(
  // Stray handles (sockets, timers of a failed benchmark) must not keep a finished run alive.
  () => setTimeout(() => process.exit(), 200).unref(),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
