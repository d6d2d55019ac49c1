// Figure 8: seconds of video rendered per wall-clock second at concurrency = CPU count, default
// settings (1280x720, 24 fps, 10 s), through the real app (CREATE_VIDEO processor, default
// WORKER_CONCURRENCY = CPU count, tasks created over GraphQL, counted until SUCCEEDED), against
// the same ffmpeg command run directly from a shell, CPU-count commands at a time.
//
// How the floor's command is obtained: not retyped from src/videos/render.ts, but captured
// from a real render. renderVideo() (the function the processor calls) is run once with the
// same title, plot and settings and an onSpawn hook, which reads /proc/<pid>/cmdline (the exact
// argv) and the text files drawtext reads (title.txt, plot-*.txt in the render's work
// directory). A render is ONE ffmpeg run with two outputs, the video (video.mp4) and the poster
// (poster.jpg), from one -filter_complex; the capture refuses anything else (a second spawn,
// a missing output), so the floor is exactly the app's command. In the captured argv the two
// outputs are replaced by one pair of files per run and the work directory (text files) by a
// kept copy. So the floor follows any change of the render's arguments automatically. It does
// not include the progress reporting, the file publishing or the database writes: those are
// the app's overhead.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { renderVideo } from '../../src/videos/render.js';
import { startBenchApp } from '../lib/benchApp.js';
import { ratioFigure, type BenchContext, type Benchmark, type Figure } from '../lib/figure.js';
import { finishedRound } from '../lib/roundTasks.js';
import { median, nowMs } from '../lib/stats.js';

const DURATION = 10;
const PER_WORKER = 3;
const input = {
  title: 'The Long Run',
  plot: 'A server is asked for a slow resource. It answers at once with a task, renders the video in the background, ' +
    'and tells everyone who asked how far along it is, until the film is done and the poster is on the wall.',
};

interface Captured {
  binary: string;
  args: string[];
  workDir: string;
  /** The two outputs as they appear in the argv (in the work directory). */
  video: string;
  poster: string;
  files: Map<string, Buffer>;
}

/**
 * The argv of the ffmpeg process `pid`. The render spawns it through setpriv (parent-death
 * signal), which execs ffmpeg in place a moment after spawn() returns: until then the process
 * shows setpriv's argv, and during the exec /proc/<pid>/cmdline reads empty (a full run under
 * load failed that way). So it waits, up to 2 s (the render runs for seconds), for ffmpeg's own.
 */
function ffmpegArgv(pid: number): string[] {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let tries = 0; ; tries++) {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a, i, all) => i < all.length - 1 || a !== '');
    if (argv.length > 0 && !path.basename(argv[0] as string).startsWith('setpriv')) return argv;
    if (tries >= 2000) throw new Error(`process ${pid} did not become ffmpeg within 2 s: ${argv.join(' ')}`);
    Atomics.wait(pause, 0, 0, 1); // a synchronous 1 ms pause: onSpawn must capture before returning
  }
}

/** Runs the real render once and captures the argv of its (single) ffmpeg run and its text files. */
async function captureRenderCommand(root: string, settings: { width: number; height: number; fps: number }): Promise<Captured> {
  const commands: { binary: string; args: string[]; files: Map<string, Buffer>; workDir: string }[] = [];
  const outputDir = path.join(root, 'capture');
  await renderVideo({
    ...input, durationSeconds: DURATION, ...settings, outputDir,
    onSpawn: (pid) => {
      const argv = ffmpegArgv(pid);
      // Each run renders in a work directory of its own (`.render-<attempt>`, src/videos/workDirs.ts);
      // this output directory is new, so there is exactly one.
      const workDirs = readdirSync(outputDir).filter((name) => name.startsWith('.render-'));
      if (workDirs.length !== 1) throw new Error(`expected one render work directory in ${outputDir}, found ${workDirs.join(', ') || 'none'}`);
      const workDir = path.join(outputDir, workDirs[0] as string);
      const files = new Map<string, Buffer>();
      for (const name of readdirSync(workDir)) if (name.endsWith('.txt')) files.set(name, readFileSync(path.join(workDir, name)));
      commands.push({ binary: argv[0] as string, args: argv.slice(1), files, workDir });
    },
  });
  if (commands.length !== 1) {
    throw new Error(`the render spawned ${commands.length} ffmpeg processes; the floor replicates a render of exactly one (update bench/benchmarks/render.ts)`);
  }
  const [command] = commands as [(typeof commands)[number]];
  const workDir = command.workDir;
  const video = path.join(workDir, 'video.mp4');
  const poster = path.join(workDir, 'poster.jpg');
  const count = (arg: string) => command.args.filter((a) => a === arg).length;
  if (count(video) !== 1 || count(poster) !== 1 || count('-filter_complex') !== 1) {
    throw new Error(`unexpected render command (want one -filter_complex, ${video} and ${poster}): ${command.args.join(' ')}`);
  }
  return { ...command, workDir, video, poster };
}

function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The floor command writing `output`.mp4 and `output`.jpg, as a shell command line. */
function floorCommand(command: Captured, inputsDir: string, output: string): string {
  const args = command.args.map((a) => {
    if (a === command.video) return `${output}.mp4`;
    if (a === command.poster) return `${output}.jpg`;
    return a.split(command.workDir).join(inputsDir);
  });
  // Also catches the work directory in a form the split missed (e.g. escaped in the filtergraph).
  if (args.some((a) => a.includes(path.basename(command.workDir)))) throw new Error(`the floor command still names the render's work directory: ${args.join(' ')}`);
  return [command.binary, ...args].map(shellQuote).join(' ');
}

function runShell(commandLine: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', `${commandLine} >/dev/null 2>&1`], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg from the shell exited with ${code}`))));
  });
}

export const render: Benchmark = {
  name: 'render',
  title: 'seconds of video per wall-clock second, concurrency = CPU count, default settings',
  perDatabase: false,
  async run(ctx: BenchContext): Promise<Figure[]> {
    const cpus = os.availableParallelism();
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'longrun-bench-render-'));
    const bench = await startBenchApp({ db: 'pglite' });
    try {
      const settings = bench.config.render;
      const workers = bench.config.workerConcurrency;
      const command = await captureRenderCommand(root, settings);
      const inputsDir = path.join(root, 'inputs');
      mkdirSync(inputsDir);
      for (const [name, content] of command.files) await fs.writeFile(path.join(inputsDir, name), content);
      const tasks = cpus * PER_WORKER;

      const floorRound = async (round: string): Promise<number> => {
        const start = nowMs();
        await Promise.all(Array.from({ length: cpus }, async (_, chain) => {
          for (let i = 0; i < PER_WORKER; i++) await runShell(floorCommand(command, inputsDir, path.join(root, `floor-${round}-${chain}-${i}`)));
        }));
        const rate = (tasks * DURATION) / ((nowMs() - start) / 1000);
        // Each run wrote both outputs, as the app's render does.
        for (let chain = 0; chain < cpus; chain++) {
          for (let i = 0; i < PER_WORKER; i++) {
            for (const ext of ['mp4', 'jpg']) {
              const file = path.join(root, `floor-${round}-${chain}-${i}.${ext}`);
              if ((await fs.stat(file)).size === 0) throw new Error(`the floor wrote an empty ${file}`);
              await fs.rm(file);
            }
          }
        }
        return rate;
      };

      const appRound = async (): Promise<number> => {
        const since = new Date();
        await Promise.all(Array.from({ length: tasks }, async () => {
          const res = await fetch(`${bench.url}/graphql`, {
            method: 'POST', headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              query: 'mutation($input: CreateVideoInput!) { createVideoTask(input: $input) { id } }',
              variables: { input: { ...input, durationSeconds: DURATION } },
            }),
          });
          const body = (await res.json()) as { data?: { createVideoTask?: { id: string } } };
          if (!body.data?.createVideoTask?.id) throw new Error(`create failed: ${JSON.stringify(body)}`);
        }));
        // From the request of the first create to the last task's finishedAt (epoch ms, the row's).
        const round = await finishedRound(bench.app.services.database.prisma, since, { timeoutMs: 120_000, pollMs: 100 });
        if (round.succeeded !== tasks) throw new Error(`${round.succeeded} of ${tasks} renders succeeded`);
        return (tasks * DURATION) / ((round.lastFinishedAt - since.getTime()) / 1000);
      };

      const values: number[] = [];
      const floors: number[] = [];
      for (let r = 0; r < ctx.rounds; r++) {
        const floor = await floorRound(`${r}`);
        const value = await appRound();
        floors.push(floor);
        values.push(value);
        ctx.log(`round ${r + 1}: app ${value.toFixed(2)} video-s/s, the same ffmpeg command from the shell ${floor.toFixed(2)} video-s/s`);
      }
      return [ratioFigure({
        figure: '8', bench: this.name, db: 'any',
        name: `video seconds rendered per second (video + poster), ${settings.width}x${settings.height} ${settings.fps} fps ${DURATION} s, ${cpus} at a time (workers=${workers}) vs same ffmpeg command from sh`,
        value: median(values), floor: median(floors), unit: 'video-s/s', target: '>= 0.9',
        details: { cpus, workers, tasksPerRound: tasks, values, floors, floorCommand: floorCommand(command, inputsDir, '<output>') },
      }, { atLeast: 0.9 }, values.map((value, i) => ({ value, floor: floors[i] as number })))];
    } finally {
      await bench.stop();
      await fs.rm(root, { recursive: true, force: true });
    }
  },
};
