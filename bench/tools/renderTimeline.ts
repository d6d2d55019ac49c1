// Diagnostic for figure 8: where the wall time of the app's renders goes. Runs the real app
// (PGlite, default settings, WORKER_CONCURRENCY = CPU count), creates CPU-count x 3 video tasks
// at once and reports per task: processor start (the task is claimed) -> first 'rendering'
// progress (set-up), 'rendering' -> 'publishing' (the one ffmpeg run that writes video and
// poster), 'publishing' -> the row's finishedAt (the video row and the completion written), the
// gap from one task's finishedAt to the next processor start, and how many progress reports each
// task made. Times are taken where the processor reports them (the real CREATE_VIDEO processor,
// wrapped), not from the event bus: the bus re-reads each change after the database's NOTIFY and
// skips a change overtaken during its re-read ('publishing' is, by the completion).
//   node --import tsx bench/tools/renderTimeline.ts
import os from 'node:os';
import type { Processor } from '../../src/tasks/processor.js';
import { FileSystemMediaStore } from '../../src/videos/mediaStore.js';
import { createVideoProcessor } from '../../src/videos/videoProcessor.js';
import { startBenchApp, type BenchApp } from '../lib/benchApp.js';
import { finishedRound } from '../lib/roundTasks.js';
import { median } from '../lib/stats.js';
import { anonymousCaller } from '../../src/auth/caller.js';

interface Marks { start: number; rendering?: number; publishing?: number; reports: number }

const cpus = os.availableParallelism();
const count = cpus * 3;
const marks = new Map<string, Marks>();
let bench: BenchApp | null = null;
let real: Processor | null = null;
const timedProcessor: Processor = (task, context) => {
  if (!bench) throw new Error('the app is not started');
  real ??= createVideoProcessor(new FileSystemMediaStore(bench.config.mediaDir), bench.config.render);
  const mark: Marks = { start: Date.now(), reports: 0 };
  marks.set(task.id, mark);
  return real(task, {
    ...context,
    progress: (fraction, stage) => {
      mark.reports++;
      if (stage === 'rendering') mark.rendering ??= Date.now();
      if (stage === 'publishing') mark.publishing ??= Date.now();
      context.progress(fraction, stage);
    },
  });
};

bench = await startBenchApp({ db: 'pglite', processors: { CREATE_VIDEO: timedProcessor } });
try {
  const prisma = bench.app.services.database.prisma;
  const since = new Date();
  for (let i = 0; i < count; i++) await bench.app.services.tasks.createVideoTask(anonymousCaller, { title: 'The Long Run', plot: 'Where does the time go?' });
  const round = await finishedRound(prisma, since, { timeoutMs: 120_000, pollMs: 100 });
  const rows = await prisma.task.findMany({ where: { createdAt: { gte: since } }, select: { id: true, finishedAt: true } });
  const finished = new Map(rows.map((row) => [row.id, row.finishedAt?.getTime() ?? Number.NaN]));
  const phases: Record<string, number[]> = { setup: [], ffmpeg: [], publish: [] };
  const starts: number[] = [];
  const ends: number[] = [];
  const reports: number[] = [];
  for (const [id, mark] of marks) {
    const end = finished.get(id) ?? Number.NaN;
    starts.push(mark.start);
    ends.push(end);
    reports.push(mark.reports);
    phases.setup!.push((mark.rendering ?? Number.NaN) - mark.start);
    phases.ffmpeg!.push((mark.publishing ?? Number.NaN) - (mark.rendering ?? Number.NaN));
    phases.publish!.push(end - (mark.publishing ?? Number.NaN));
  }
  // Gaps: each start after the first `cpus` follows some earlier completion.
  const laterStarts = starts.slice().sort((a, b) => a - b).slice(cpus);
  const sortedEnds = ends.slice().sort((a, b) => a - b);
  const gaps = laterStarts.map((start, i) => start - (sortedEnds[i] as number));
  process.stdout.write(`${count} renders (${round.succeeded} succeeded), ${cpus} at a time, wall ${((round.lastFinishedAt - since.getTime()) / 1000).toFixed(2)} s\n`);
  for (const [name, values] of Object.entries(phases)) {
    process.stdout.write(`  ${name.padEnd(8)} median ${median(values).toFixed(0).padStart(5)} ms  total ${values.reduce((a, b) => a + b, 0).toFixed(0).padStart(6)} ms\n`);
  }
  process.stdout.write(`  gap finishedAt -> next processor start: median ${median(gaps).toFixed(1)} ms\n`);
  process.stdout.write(`  progress reports per task: median ${median(reports)}\n`);
} finally {
  await bench.stop();
}
