// Renders the results as the markdown table of bench/results/latest.md.
import type { Figure } from './figure.js';

export interface Report {
  date: string;
  totalSeconds: number;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string };
  settings: { rounds: number; secondsPerWindow: number; dbs: string[]; benchmarks: string[] };
  figures: Figure[];
  failures: { bench: string; db: string; error: string }[];
}

function num(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Ratios near a target must not round onto it (0.897 is not 0.90). */
function ratioText(value: number): string {
  return Number.isFinite(value) && Math.abs(value) < 10 ? value.toFixed(3) : num(value);
}

export function renderMarkdown(report: Report): string {
  const lines = [
    `# Benchmark results`,
    ``,
    `Run ${report.date} on ${report.machine.cpus} CPUs (${report.machine.cpuModel}), ${report.machine.memoryGiB} GiB, Node ${report.machine.node}; ` +
      `${report.settings.rounds} rounds of ${report.settings.secondsPerWindow} s windows, median reported; total ${report.totalSeconds.toFixed(0)} s.`,
    `Every value is compared with a floor measured in the same run. "db" is the database the app used; "any" marks a database-independent figure measured once ` +
      `(6 and 7 with the app on PostgreSQL, where its 5,000 initial reads are quicker; 8 and the ws floor of 5 on the embedded default); ` +
      `9 and 11 run several processes and so only on PostgreSQL. ` +
      `"ratio" is value / floor, or for figures measured in alternating rounds the median of the per-round ratios.`,
    ``,
    `| figure | db | what | value | floor | ratio | target | met? |`,
    `|---|---|---|---|---|---|---|---|`,
  ];
  for (const f of report.figures) {
    const met = f.met === null ? 'report' : f.met ? 'yes' : '**no**';
    lines.push(`| ${f.figure} | ${f.db} | ${f.name} | ${num(f.value)} ${f.unit} | ${num(f.floor)} ${f.unit} | ${ratioText(f.ratio)} | ${f.target} | ${met} |`);
  }
  if (report.failures.length > 0) {
    lines.push('', '## Failed benchmarks', '');
    for (const f of report.failures) lines.push(`- ${f.bench} [${f.db}]: ${f.error.replace(/\n/g, ' ')}`);
  }
  return lines.join('\n') + '\n';
}
