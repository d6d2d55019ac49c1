// The shape of one row of the results table.
import { median } from './stats.js';

export type DbLabel = 'pglite' | 'postgres' | 'any';

export interface Figure {
  /** Figure number from issue 4, with a suffix for sub-figures (e.g. "5a p99"). */
  figure: string;
  /** Benchmark that produced it (run it alone with `npm run bench -- <name>`). */
  bench: string;
  name: string;
  /** Database the app used; 'any' for database-independent figures (measured once). */
  db: DbLabel;
  value: number;
  floor: number;
  unit: string;
  /**
   * value / floor; for figures measured in rounds that alternate floor and app, the median of
   * the per-round ratios (each app round against the floor round right before it), which
   * cancels drift of the shared machine better than a ratio of medians.
   */
  ratio: number;
  /** Human-readable target, e.g. ">= 0.5" (ratio) or "p99 <= 20 ms" (absolute). */
  target: string;
  /** null when the figure is reported only. */
  met: boolean | null;
  /** Per-round raw numbers and anything else worth keeping. */
  details?: Record<string, unknown>;
}

export interface Benchmark {
  name: string;
  /** Rounds when the command line does not say (default 3). */
  defaultRounds?: number;
  /** What it measures, one line. */
  title: string;
  /** False for database-independent benchmarks, which run once. */
  perDatabase: boolean;
  run(ctx: BenchContext): Promise<Figure[]>;
}

export interface BenchContext {
  /** The database to run on (perDatabase benchmarks); 'pglite' for the others. */
  db: 'pglite' | 'postgres';
  rounds: number;
  /** Seconds per measured window. */
  seconds: number;
  log(message: string): void;
}

export function ratioFigure(
  base: Omit<Figure, 'ratio' | 'met'>,
  check: { atLeast?: number; atMost?: number } | null,
  /** Per-round (value, floor) pairs: the ratio is then the median of value / floor per round. */
  pairs?: { value: number; floor: number }[],
): Figure {
  const ratio = pairs && pairs.length > 0 ? median(pairs.map((p) => p.value / p.floor)) : base.value / base.floor;
  let met: boolean | null = null;
  if (check?.atLeast !== undefined) met = ratio >= check.atLeast;
  if (check?.atMost !== undefined) met = ratio <= check.atMost;
  return { ...base, ratio, met };
}
