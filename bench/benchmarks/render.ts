// Figure 8: seconds of video rendered per wall-clock second at concurrency = CPU count, default
// settings (1280x720, 24 fps, 10 s), through the real app (CREATE_VIDEO processor, default
// WORKER_CONCURRENCY = CPU count, tasks created over GraphQL, counted until SUCCEEDED), against
// the same ffmpeg command run directly from a shell, CPU-count commands at a time.
//
// How the floor's command is obtained: not retyped from src/videos/render.ts, but captured
// from a real render. renderVideo() (the function the processor calls) is run once with the
// same title, plot and settings and an onSpawn hook; for the first ffmpeg it spawns (the video
// render; the second is the poster) the hook reads /proc/<pid>/cmdline (the exact argv) and the
// text files drawtext reads (title.txt, plot-*.txt in the render's work directory). The work
// directory in the arguments is then replaced by a kept copy of those files and the output
// path (the last argument) by one file per run. So the floor follows any change of the
// render's arguments automatically. It does not include the poster extraction, the progress
// reporting or the database writes: those are the app's overhead.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { renderVideo } from '../../src/videos/render.js';
import { startBenchApp } from '../lib/benchApp.js';
import { ratioFigure, type BenchContext, type Benchmark, type Figure } from '../lib/figure.js';
import { median, nowMs, sleep } from '../lib/stats.js';

const DURATION = 10;
const PER_WORKER = 3;
const input = {
  title: 'The Long Run',
  plot: 'A server is asked for a slow resource. It answers at once with a task, renders the video in the background, ' +
    'and tells everyone who asked how far along it is, until the film is done and the poster is on the wall.',
};

interface CapturedCommand {
  binary: string;
  args: string[];
  workDir: string;
}

interface Captured extends CapturedCommand {
  files: Map<string, Buffer>;
  /** The second ffmpeg of the render (the poster), for the informative floor + poster row. */
  poster: CapturedCommand | null;
}

/** Runs the real render once and captures the argv of its ffmpeg runs and its text files. */
async function captureRenderCommand(root: string, settings: { width: number; height: number; fps: number }): Promise<Captured> {
  let captured: Captured | null = null;
  const outputDir = path.join(root, 'capture');
  const workDir = path.join(outputDir, '.render-tmp');
  await renderVideo({
    ...input, durationSeconds: DURATION, ...settings, outputDir,
    onSpawn: (pid) => {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a, i, all) => i < all.length - 1 || a !== '');
      const command = { binary: argv[0] as string, args: argv.slice(1), workDir };
      if (captured) {
        captured.poster ??= command;
        return;
      }
      const files = new Map<string, Buffer>();
      for (const name of readdirSync(workDir)) if (name.endsWith('.txt')) files.set(name, readFileSync(path.join(workDir, name)));
      captured = { ...command, files, poster: null };
    },
  });
  if (!captured) throw new Error('the render spawned no ffmpeg');
  return captured;
}

/** The poster command for one rendered file: input and output swapped for per-run paths. */
function posterCommand(command: CapturedCommand, video: string, poster: string): string {
  const args = command.args.map((a) => (a === path.join(command.workDir, 'video.mp4') ? video : a));
  if (!args.includes(video) || !args[args.length - 1]?.endsWith('.jpg')) throw new Error(`unexpected poster command: ${args.join(' ')}`);
  args[args.length - 1] = poster;
  return [command.binary, ...args].map(shellQuote).join(' ');
}

function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The floor command for one output file, as a shell command line. */
function floorCommand(command: CapturedCommand, inputsDir: string, output: string): string {
  const args = command.args.map((a) => a.split(command.workDir).join(inputsDir));
  if (!args[args.length - 1]?.endsWith('.mp4')) throw new Error(`unexpected render command: ${args.join(' ')}`);
  args[args.length - 1] = output;
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

      const floorRound = async (round: string, withPoster: boolean): Promise<number> => {
        const start = nowMs();
        await Promise.all(Array.from({ length: cpus }, async (_, chain) => {
          for (let i = 0; i < PER_WORKER; i++) {
            const video = path.join(root, `floor-${round}-${chain}-${i}.mp4`);
            await runShell(floorCommand(command, inputsDir, video));
            if (withPoster && command.poster) await runShell(posterCommand(command.poster, video, video.replace(/\.mp4$/, '.jpg')));
          }
        }));
        return (tasks * DURATION) / ((nowMs() - start) / 1000);
      };

      const appRound = async (): Promise<number> => {
        let done = 0;
        let failed = 0;
        let lastDoneAt = 0;
        const off = bench.onPublish((task, at) => {
          if (task.status === 'SUCCEEDED') {
            done++;
            lastDoneAt = at;
          } else if (task.status === 'FAILED') failed++;
        });
        try {
          const start = nowMs();
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
          const deadline = nowMs() + 120_000;
          while (done + failed < tasks && nowMs() < deadline) await sleep(5);
          if (done < tasks) throw new Error(`${done} of ${tasks} renders succeeded (${failed} failed)`);
          return (tasks * DURATION) / ((lastDoneAt - start) / 1000);
        } finally {
          off();
        }
      };

      const values: number[] = [];
      const floors: number[] = [];
      const withPosters: number[] = [];
      for (let r = 0; r < ctx.rounds; r++) {
        const floor = await floorRound(`${r}`, false);
        const value = await appRound();
        const withPoster = await floorRound(`${r}p`, true);
        floors.push(floor);
        values.push(value);
        withPosters.push(withPoster);
        ctx.log(`round ${r + 1}: app ${value.toFixed(2)} video-s/s, ffmpeg from the shell ${floor.toFixed(2)} video-s/s (${withPoster.toFixed(2)} with the poster command after each)`);
      }
      const posterRow = ratioFigure({
        figure: '8 (poster)', bench: this.name, db: 'any',
        name: 'the same app rounds vs the shell running the render AND the captured poster command (informative: how much of the gap the poster step is)',
        value: median(values), floor: median(withPosters), unit: 'video-s/s', target: 'report',
        details: { floors: withPosters, posterCommand: command.poster ? posterCommand(command.poster, '<output>.mp4', '<output>.jpg') : null },
      }, null, values.map((value, i) => ({ value, floor: withPosters[i] as number })));
      return [posterRow, ratioFigure({
        figure: '8', bench: this.name, db: 'any',
        name: `video seconds rendered per second, ${settings.width}x${settings.height} ${settings.fps} fps ${DURATION} s, ${cpus} at a time (workers=${workers}) vs same ffmpeg command from sh`,
        value: median(values), floor: median(floors), unit: 'video-s/s', target: '>= 0.9',
        details: { cpus, workers, tasksPerRound: tasks, values, floors, floorCommand: floorCommand(command, inputsDir, '<output>.mp4') },
      }, { atLeast: 0.9 }, values.map((value, i) => ({ value, floor: floors[i] as number })))].reverse();
    } finally {
      await bench.stop();
      await fs.rm(root, { recursive: true, force: true });
    }
  },
};
