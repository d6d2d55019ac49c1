// Diagnostic for figure 8: where the wall time of the app's renders goes. Runs the real app
// (PGlite, default settings, WORKER_CONCURRENCY = CPU count), creates CPU-count x 3 video tasks
// at once and reports, from the task changes this process's event bus delivers (stage changes
// are written at once; the bus re-reads each change after the database's NOTIFY, so times are
// delivery times, a few ms after the commit, and a change overtaken during its re-read is
// skipped), per task: claim -> first 'rendering' write (set-up), 'rendering' -> 'publishing' (the
// one ffmpeg run that writes video and poster, and the renames), 'publishing' -> SUCCEEDED (the
// video row and completion written), the gap from one task's SUCCEEDED to the next claim, and
// how many changes (progress writes among them) were delivered per task.
//   node --import tsx bench/tools/renderTimeline.ts
import os from 'node:os';
import { startBenchApp } from '../lib/benchApp.js';
import { median, nowMs, sleep } from '../lib/stats.js';

const cpus = os.availableParallelism();
const count = cpus * 3;
const bench = await startBenchApp({ db: 'pglite' });
const marks = new Map<string, { stage: string; status: string; at: number }[]>();
bench.watchChanges((task, at) => {
  const list = marks.get(task.id) ?? [];
  list.push({ stage: task.stage, status: task.status, at });
  marks.set(task.id, list);
});
try {
  const start = nowMs();
  for (let i = 0; i < count; i++) await bench.app.services.tasks.createVideoTask({ title: 'The Long Run', plot: 'Where does the time go?' });
  const deadline = nowMs() + 120_000;
  const done = () => [...marks.values()].filter((m) => m.some((e) => e.status === 'SUCCEEDED' || e.status === 'FAILED')).length;
  while (done() < count && nowMs() < deadline) await sleep(20);
  const wall = Math.max(...[...marks.values()].map((m) => m[m.length - 1]!.at)) - start;
  const phases: Record<string, number[]> = { setup: [], ffmpeg: [], publish: [] };
  const changes: number[] = [];
  const claims: number[] = [];
  const ends: number[] = [];
  for (const list of marks.values()) {
    const at = (pred: (e: { stage: string; status: string }) => boolean) => list.find(pred)?.at ?? Number.NaN;
    const claim = at((e) => e.status === 'RUNNING');
    const rendering = at((e) => e.stage === 'rendering');
    const publishing = at((e) => e.stage === 'publishing');
    const end = at((e) => e.status === 'SUCCEEDED');
    claims.push(claim);
    ends.push(end);
    phases.setup!.push(rendering - claim);
    phases.ffmpeg!.push(publishing - rendering);
    changes.push(list.length);
    phases.publish!.push(end - publishing);
  }
  // Gaps: each claim after the first `cpus` follows some earlier completion.
  const sortedClaims = claims.slice().sort((a, b) => a - b).slice(cpus);
  const sortedEnds = ends.slice().sort((a, b) => a - b);
  const gaps = sortedClaims.map((c, i) => c - (sortedEnds[i] as number));
  process.stdout.write(`${count} renders, ${cpus} at a time, wall ${(wall / 1000).toFixed(2)} s\n`);
  for (const [name, values] of Object.entries(phases)) {
    process.stdout.write(`  ${name.padEnd(8)} median ${median(values).toFixed(0).padStart(5)} ms  total ${values.reduce((a, b) => a + b, 0).toFixed(0).padStart(6)} ms\n`);
  }
  process.stdout.write(`  gap SUCCEEDED -> next claim: median ${median(gaps).toFixed(1)} ms\n`);
  process.stdout.write(`  changes delivered per task (created, claim, progress, publishing, SUCCEEDED): median ${median(changes)}\n`);
} finally {
  await bench.stop();
}
