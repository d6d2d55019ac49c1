import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { escapeFilterValue } from '../src/videos/ffmpegBinary.js';
import { createProgressParser } from '../src/videos/ffmpegProgress.js';
import { ffmpegPath, RenderError, renderVideo, type RenderRequest } from '../src/videos/render.js';
import { layoutText, wrapText } from '../src/videos/textLayout.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'longrun-render-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let dirCount = 0;
const freshDir = (name = 'out'): string => path.join(root, `${name}-${++dirCount}`);

const small = (overrides: Partial<RenderRequest> = {}): RenderRequest => ({
  title: 'A Small Film',
  plot: 'Two seconds long, and nothing happens in them.',
  durationSeconds: 2,
  width: 320,
  height: 180,
  fps: 24,
  outputDir: freshDir(),
  ...overrides,
});

async function firstBytes(file: string, count: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(count);
    await handle.read(buf, 0, count, 0);
    return buf;
  } finally {
    await handle.close();
  }
}

/** What `ffmpeg -i` says about a file (the static package ships no ffprobe). */
function probe(file: string): string {
  return spawnSync(ffmpegPath, ['-hide_banner', '-i', file], { encoding: 'utf8' }).stderr;
}

async function expectRenderError(promise: Promise<unknown>): Promise<RenderError> {
  const err: unknown = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(RenderError);
  return err as RenderError;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    expect((err as NodeJS.ErrnoException).code).toBe('ESRCH');
    return false;
  }
}

describe('renderVideo', () => {
  test('renders an H.264 MP4 with a JPEG poster and reports progress up to 1', async () => {
    const progress: Array<[number, string]> = [];
    const req = small({ onProgress: (f, stage) => progress.push([f, stage]) });
    const started = performance.now();
    const result = await renderVideo(req);
    const elapsedMs = performance.now() - started;

    expect(result.contentFile).toBe(path.join(req.outputDir, 'video.mp4'));
    expect(result.posterFile).toBe(path.join(req.outputDir, 'poster.jpg'));
    expect((await firstBytes(result.contentFile, 8)).subarray(4, 8).toString('latin1')).toBe('ftyp');
    expect((await stat(result.contentFile)).size).toBe(result.sizeBytes);
    const info = probe(result.contentFile);
    expect(info).toMatch(/Duration: 00:00:0(1\.9\d|2\.0\d)/);
    expect(info).toMatch(/Video: h264 .*yuv420p.*320x180.* 24 fps/);
    expect([...(await firstBytes(result.posterFile, 2))]).toEqual([0xff, 0xd8]);
    expect((await readdir(req.outputDir)).sort()).toEqual(['poster.jpg', 'video.mp4']);

    const fractions = progress.map(([f]) => f);
    expect(fractions.every((f, i) => i === 0 || f >= (fractions[i - 1] ?? 0))).toBe(true);
    expect(fractions.every((f) => f >= 0 && f <= 1)).toBe(true);
    expect(progress[progress.length - 1]).toEqual([1, 'rendering']);
    // Fact 7 says a short title card takes ~0.1 s here; leave ample room for a busy machine.
    expect(elapsedMs).toBeLessThan(10_000);
  });

  test('filter-special characters in text and in the output path render literally', async () => {
    const outputDir = path.join(freshDir(), `dir: it's [x],y;\\z`);
    const result = await renderVideo(small({
      title: `it's: [a],b; %{pts} \\ "q"`,
      plot: `%{localtime} %{eif\\:n\\:d} ' : , ; [in] \\n\n\n\nsecond paragraph\ttab\u0007bell ${'word '.repeat(1000)}`,
      outputDir,
    }));
    expect((await stat(result.contentFile)).size).toBe(result.sizeBytes);
    expect(probe(result.contentFile)).toMatch(/Video: h264/);
    expect((await readdir(outputDir)).sort()).toEqual(['poster.jpg', 'video.mp4']);
  });

  test('a 5000-character plot is paged over a longer video', async () => {
    const plot = 'The plot thickens, page after page. '.repeat(140).slice(0, 5000);
    const result = await renderVideo(small({ plot, durationSeconds: 16 }));
    expect(probe(result.contentFile)).toMatch(/Duration: 00:00:1(5\.9\d|6\.0\d)/);
  });

  test('an empty plot still renders', async () => {
    const result = await renderVideo(small({ plot: '' }));
    expect(result.sizeBytes).toBeGreaterThan(0);
  });

  test('abort mid-render kills ffmpeg, removes partial files and rejects with RENDER_CANCELLED', async () => {
    const controller = new AbortController();
    const pids: number[] = [];
    const outputDir = freshDir('cancel');
    const promise = renderVideo({
      title: 'Long', plot: 'Long enough to be cancelled.', durationSeconds: 120, width: 1280, height: 720, fps: 24,
      outputDir, signal: controller.signal,
      onSpawn: (pid) => pids.push(pid),
      // Abort once ffmpeg is demonstrably writing output.
      onProgress: (f) => { if (f > 0) controller.abort(); },
    });
    const err = await expectRenderError(promise);
    expect(err.code).toBe('RENDER_CANCELLED');
    expect(err.retryable).toBe(false);
    expect(pids).toHaveLength(1);
    expect(isAlive(pids[0] ?? -1)).toBe(false);
    expect(existsSync(outputDir)).toBe(false);
  });

  test('an already aborted signal rejects without spawning or touching the disk', async () => {
    const controller = new AbortController();
    controller.abort();
    const spawned: number[] = [];
    const outputDir = freshDir('pre-aborted');
    const err = await expectRenderError(renderVideo(small({ outputDir, signal: controller.signal, onSpawn: (pid) => spawned.push(pid) })));
    expect(err.code).toBe('RENDER_CANCELLED');
    expect(spawned).toEqual([]);
    expect(existsSync(outputDir)).toBe(false);
  });

  test.each([
    ['width 0', { width: 0 }, /width/],
    ['an odd width (this ffmpeg would silently crop it)', { width: 321 }, /width must be an even/],
    ['fps 0', { fps: 0 }, /fps/],
    ['a NaN duration', { durationSeconds: Number.NaN }, /durationSeconds/],
  ])('%s fails with RENDER_FAILED before ffmpeg starts', async (_name, overrides, message) => {
    const spawned: number[] = [];
    const err = await expectRenderError(renderVideo(small({ ...overrides, onSpawn: (pid) => spawned.push(pid) })));
    expect(err.code).toBe('RENDER_FAILED');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(message);
    expect(spawned).toEqual([]);
  });

  // This ffmpeg accepts every request checkRequest lets through, so a stand-in plays the
  // failing binary.
  async function fakeFfmpeg(script: string): Promise<string> {
    const file = path.join(root, `fake-ffmpeg-${++dirCount}.sh`);
    await writeFile(file, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
    return file;
  }

  test('ffmpeg exiting non-zero gives RENDER_FAILED; the stderr tail goes to the log detail, not the message; no files left', async () => {
    const outputDir = freshDir('exit1');
    await mkdir(outputDir);
    const binary = await fakeFfmpeg('echo "noise" >&2; echo "[libx264] something broke in /secret/path" >&2; exit 1');
    const err = await expectRenderError(renderVideo(small({ outputDir, ffmpegPath: binary })));
    expect(err.code).toBe('RENDER_FAILED');
    expect(err.retryable).toBe(false);
    expect(err.stderrTail).toBe('noise\n[libx264] something broke in /secret/path');
    expect(err.message).toBe('rendering failed: ffmpeg exited with code 1');
    expect(err.detail).toContain('something broke');
    // The directory existed before, so it stays, but empty.
    expect(await readdir(outputDir)).toEqual([]);
  });

  test.each([
    ['killed by SIGKILL', 'kill -9 $$', /killed by SIGKILL/],
    ['killed by SIGTERM', 'kill -15 $$', /killed by SIGTERM/],
    // What ffmpeg does on SIGINT/SIGTERM: finish the file, exit 255.
    ['exiting 255 after a signal', 'exit 255', /stopped by a signal/],
  ])('ffmpeg %s from outside gives a retryable RENDER_INTERRUPTED', async (_name, script, message) => {
    const outputDir = freshDir('interrupted');
    const err = await expectRenderError(renderVideo(small({ outputDir, ffmpegPath: await fakeFfmpeg(script) })));
    expect(err.code).toBe('RENDER_INTERRUPTED');
    expect(err.retryable).toBe(true);
    expect(err.interruption).toBe(true);
    expect(err.message).toMatch(message);
    expect(existsSync(outputDir)).toBe(false);
  });

  test('ffmpeg exiting 0 without writing a valid file gives a retryable RENDER_INCOMPLETE and leaves no files', async () => {
    const outputDir = freshDir('incomplete');
    // Writes a 0-byte poster and a video cut inside its mdat box, as a full disk did.
    const cutVideo = path.join(root, 'cut-video.mp4');
    await writeFile(cutVideo, Buffer.concat([
      Buffer.from('00000018667479706973366d0000020069736f6d69736f32', 'hex'), // ftyp, 24 bytes
      Buffer.from('00000800', 'hex'), Buffer.from('mdat', 'latin1'), Buffer.alloc(100),
    ]));
    const binary = await fakeFfmpeg([
      'for last; do :; done',
      'dir=$(dirname "$last")',
      `cp '${cutVideo}' "$dir/video.mp4"`,
      ': > "$last"',
      'exit 0',
    ].join('\n'));
    const err = await expectRenderError(renderVideo(small({ outputDir, ffmpegPath: binary })));
    expect(err.code).toBe('RENDER_INCOMPLETE');
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/incomplete file: the MP4 is cut off/);
    expect(err.message).not.toContain(outputDir);
    expect(err.detail).toContain(outputDir);
    expect(existsSync(outputDir)).toBe(false);
  });

  test('a failed publish (rename) removes what it had published and the work files', async () => {
    const outputDir = freshDir('publish');
    // A non-empty directory where the video goes: renaming the file over it fails.
    await mkdir(path.join(outputDir, 'video.mp4', 'blocker'), { recursive: true });
    const err = await expectRenderError(renderVideo(small({ outputDir })));
    expect(err.code).toBe('RENDER_FAILED');
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/^cannot publish the rendered files \(E[A-Z]+\)$/);
    expect(err.detail).toContain(outputDir);
    // The poster was renamed into place first; it is gone again, and so is the work dir.
    expect((await readdir(outputDir)).sort()).toEqual(['video.mp4']);
    expect(await readdir(path.join(outputDir, 'video.mp4'))).toEqual(['blocker']);
  });

  test('a missing ffmpeg binary gives RENDER_FAILED naming the errno, not the path', async () => {
    const outputDir = freshDir('missing');
    const err = await expectRenderError(renderVideo(small({ outputDir, ffmpegPath: path.join(root, 'no-such-ffmpeg') })));
    expect(err.code).toBe('RENDER_FAILED');
    expect(err.retryable).toBe(false);
    expect(err.message).toBe('rendering failed: ffmpeg could not be started (ENOENT)');
    expect(existsSync(outputDir)).toBe(false);
  });

  test('ffmpeg runs in its own process group, so a Ctrl-C to ours does not reach it', async () => {
    const pids: number[] = [];
    const controller = new AbortController();
    const promise = renderVideo(small({
      durationSeconds: 120, width: 1280, height: 720, signal: controller.signal, outputDir: freshDir('group'),
      onSpawn: (pid) => pids.push(pid),
      onProgress: (f) => { if (f > 0 && pids.length > 0) controller.abort(); },
    }));
    // Sample while it runs: read /proc before the abort lands.
    const groups = await new Promise<{ ffmpeg: number; ours: number }>((resolve) => {
      const timer = setInterval(() => {
        const pid = pids[0];
        if (pid === undefined) return;
        clearInterval(timer);
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        const ours = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
        resolve({ ffmpeg: Number(stat[2]), ours: Number(ours[2]) });
      }, 1);
    });
    await promise.catch(() => undefined);
    expect(groups.ffmpeg).toBe(pids[0]);
    expect(groups.ffmpeg).not.toBe(groups.ours);
  });
});

describe('text layout', () => {
  test('wrapText keeps lines within the column count and keeps paragraphs', () => {
    const lines = wrapText('one two three four five\n\n\n\nsix abcdefghijklmnopqrstuvwxyz', 10);
    expect(lines).toEqual(['one two', 'three four', 'five', '', 'six', 'abcdefghij', 'klmnopqrst', 'uvwxyz']);
  });

  test('wrapText counts code points, not UTF-16 units', () => {
    expect(wrapText('😀😀😀😀 😀😀', 4)).toEqual(['😀😀😀😀', '😀😀']);
  });

  test('layoutText shrinks the font before paging, and cuts with an ellipsis', () => {
    const box = { width: 600, height: 300, maxFontSize: 40, minFontSize: 10, maxPages: 2 };
    const short = layoutText('A short plot.', box);
    expect(short).toMatchObject({ fontSize: 40, truncated: false, pages: [['A short plot.']] });

    const medium = layoutText('word '.repeat(150).trim(), box);
    expect(medium.fontSize).toBeLessThan(40);
    expect(medium.pages).toHaveLength(1);

    const long = layoutText('word '.repeat(5000).trim(), box);
    expect(long.fontSize).toBe(10);
    expect(long.pages).toHaveLength(2);
    expect(long.truncated).toBe(true);
    expect(long.pages[1]?.at(-1)).toMatch(/…$/);
  });
});

describe('ffmpeg helpers', () => {
  test('escapeFilterValue escapes for the option level, then for the graph level', () => {
    expect(escapeFilterValue('/a/b.txt')).toBe('/a/b.txt');
    expect(escapeFilterValue('a:b')).toBe('a\\\\:b');
    expect(escapeFilterValue("it's")).toBe("it\\\\\\'s");
    expect(escapeFilterValue('lt(t,3)')).toBe('lt(t\\,3)');
    expect(escapeFilterValue('[x];\\')).toBe('\\[x\\]\\;\\\\\\\\');
  });

  test('the progress parser is monotonic and tolerates split lines and N/A', () => {
    const seen: number[] = [];
    const parser = createProgressParser(10, (f) => seen.push(f));
    parser.push('out_time_us=N/A\nout_time_us=-5\nout_time_us=2000');
    parser.push('000\nprogress=continue\nout_time_ms=1000000\nout_time_us=5000000\n');
    parser.push('out_time_us=99000000\n');
    expect(seen).toEqual([0.2, 0.5, 1]);
    expect(parser.fraction).toBe(1);
  });
});
