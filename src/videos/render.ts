// Renders a video for a task: a title card, then the plot, as an H.264 MP4 plus a poster.
//
// User text never enters the filtergraph: it is written to files read by drawtext's
// `textfile=` with `expansion=none`. Both texts use DejaVu Sans Mono on purpose: every glyph
// has the same advance (1233/2048 em), so our own line wrapping is exact, and centring a
// line is a matter of padding it with spaces.
import { availableParallelism } from 'node:os';
import { mkdir, rename, rm, rmdir, stat, statfs, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { escapeFilterValue, ffmpegPath, fontFile, mentionsNoSpace, runFfmpeg, type FfmpegOutcome } from './ffmpegBinary.js';
import { checkJpeg, checkMp4, OutputInvalid } from './outputCheck.js';
import { renderLimits } from './renderLimits.js';
import { centreLines, cleanText, layoutText } from './textLayout.js';
import { removeEarlierWorkDirs, workDirFor } from './workDirs.js';

export { ffmpegPath } from './ffmpegBinary.js';

export interface RenderRequest {
  title: string;
  plot: string;
  durationSeconds: number;
  width: number;
  height: number;
  fps: number;
  /** Created if missing. Receives video.mp4 and poster.jpg, nothing else on success. */
  outputDir: string;
  signal?: AbortSignal;
  /**
   * Overall fraction 0..1, never decreasing: ffmpeg's own progress covers 0..0.95, writing the
   * files in place the rest.
   * Called from stream handlers, so it must not throw.
   */
  onProgress?: (fraction: number, stage: RenderStage) => void;
  /** Called with the pid of every ffmpeg child as it starts (tests, diagnostics). */
  onSpawn?: (pid: number) => void;
  /**
   * Called once the files are rendered and checked, just before they are moved into place;
   * throwing stops the render there (its run lost the task, and the files in place are another
   * run's).
   */
  beforePublish?: () => Promise<void>;
  /** Which attempt of the task this is: names the work directory, and earlier attempts' are cleared. */
  attempt?: number;
  /** Overrides the bundled ffmpeg binary. */
  ffmpegPath?: string;
}

export type RenderStage = 'rendering';

export interface RenderResult {
  /** Absolute path of `<outputDir>/video.mp4`. */
  contentFile: string;
  /** Absolute path of `<outputDir>/poster.jpg`. */
  posterFile: string;
  sizeBytes: number;
}

/**
 * - RENDER_FAILED: ffmpeg failed on its own (retryable only for transient causes).
 * - RENDER_CANCELLED: our signal aborted the render.
 * - RENDER_INTERRUPTED: ffmpeg was stopped by a signal we did not send. Retryable.
 * - STORAGE_FULL: the disk (or quota) was full. Retryable: space may come back.
 * - RENDER_INCOMPLETE: ffmpeg claimed success but the files are cut off or invalid. Retryable.
 */
export type RenderErrorCode = 'RENDER_FAILED' | 'RENDER_CANCELLED' | 'RENDER_INTERRUPTED' | 'STORAGE_FULL' | 'RENDER_INCOMPLETE';

export class RenderError extends Error {
  override readonly name = 'RenderError';
  readonly code: RenderErrorCode;
  readonly retryable: boolean;
  /** ffmpeg stopped from outside: may be the first sign of a shutdown (see TaskFailureInfo). */
  readonly interruption: boolean;
  /** The disk is full: the task waits for space (see TaskFailureInfo). */
  readonly resourceShortage: boolean;
  readonly stderrTail?: string;
  /** For the server log only (paths, errno, stderr): `message` is what clients see. */
  readonly detail?: string;

  constructor(code: RenderErrorCode, message: string, opts: { retryable: boolean; stderrTail?: string; detail?: string; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.retryable = opts.retryable;
    this.interruption = code === 'RENDER_INTERRUPTED';
    this.resourceShortage = code === 'STORAGE_FULL';
    if (opts.stderrTail !== undefined) this.stderrTail = opts.stderrTail;
    const detail = [opts.detail, opts.stderrTail ? `ffmpeg stderr: ${opts.stderrTail}` : undefined].filter(Boolean).join('; ');
    if (detail) this.detail = detail;
  }
}

const BACKGROUND = '0x14161f';
const TITLE_MAX_SECONDS = 3;
const TITLE_SHARE_OF_DURATION = 0.3;
/** A plot page stays on screen at least this long; text beyond the last page is cut. */
const MIN_PAGE_SECONDS = 5;
const RENDER_PROGRESS_SHARE = 0.95;
/**
 * The picture only changes at the title/page boundaries, so the text is drawn at this rate
 * and the fps filter repeats frames up to the requested rate. At full rate drawtext was
 * about half the work; boundaries move by at most 1/TEXT_FPS seconds.
 */
const TEXT_FPS = 4;

// --- filtergraph -------------------------------------------------------------------------

function drawtext(options: Record<string, string | number>): string {
  const args = Object.entries(options).map(([k, v]) => `${k}=${escapeFilterValue(String(v))}`);
  return `drawtext=${args.join(':')}`;
}

const seconds = (s: number): string => s.toFixed(3);

interface Scene {
  filter: string;
  textFiles: Array<{ name: string; text: string }>;
}

function buildScene(req: RenderRequest, workDir: string): Scene {
  const { width: w, height: h, durationSeconds: duration } = req;
  const titleSeconds = Math.min(TITLE_MAX_SECONDS, duration * TITLE_SHARE_OF_DURATION);
  const plotSeconds = duration - titleSeconds;
  const filters: string[] = [];
  const textFiles: Array<{ name: string; text: string }> = [];
  const common = { expansion: 'none', x: '(w-text_w)/2', y: '(h-text_h)/2' };

  const title = cleanText(req.title).replace(/\s+/g, ' ').trim();
  if (title) {
    const layout = layoutText(title, {
      width: w * 0.9, height: h * 0.6, maxFontSize: Math.round(h / 8), minFontSize: Math.round(h / 16), maxPages: 1,
    });
    textFiles.push({ name: 'title.txt', text: centreLines(layout.pages[0] ?? []).join('\n') });
    filters.push(drawtext({
      fontfile: fontFile('DejaVuSansMono-Bold.ttf'), textfile: path.join(workDir, 'title.txt'), ...common,
      fontsize: layout.fontSize, line_spacing: layout.lineSpacing, fontcolor: 'white',
      enable: `lt(t,${seconds(titleSeconds)})`,
    }));
  }

  const plot = cleanText(req.plot).trim();
  if (plot) {
    const layout = layoutText(plot, {
      width: w * 0.9, height: h * 0.88, maxFontSize: Math.round(h / 16), minFontSize: Math.max(8, Math.round(h / 32)),
      maxPages: Math.max(1, Math.floor(plotSeconds / MIN_PAGE_SECONDS)),
    });
    const pageSeconds = plotSeconds / layout.pages.length;
    layout.pages.forEach((lines, i) => {
      const name = `plot-${i}.txt`;
      const start = titleSeconds + i * pageSeconds;
      const isLast = i === layout.pages.length - 1;
      textFiles.push({ name, text: lines.join('\n') });
      filters.push(drawtext({
        fontfile: fontFile('DejaVuSansMono.ttf'), textfile: path.join(workDir, name), ...common,
        fontsize: layout.fontSize, line_spacing: layout.lineSpacing, fontcolor: '0xe6e6e6',
        enable: isLast ? `gte(t,${seconds(start)})` : `gte(t,${seconds(start)})*lt(t,${seconds(start + pageSeconds)})`,
      }));
    });
  }

  const posterAtSeconds = title ? titleSeconds / 2 : duration / 2;
  // One ffmpeg run writes both files (decision 0008): the frames are split, one branch is
  // encoded, the other skips to the poster's moment and gives one still.
  return {
    filter: [
      `[0:v]${[...filters, 'format=yuv420p', `fps=${req.fps}`].join(',')},split=2[video][still]`,
      // end_frame=1: without it the poster branch keeps filtering every frame to the end
      // (measured: 13.5-15.4 video-s/s against 19.8-20.2 with it; the same poster bytes).
      `[still]trim=start=${seconds(posterAtSeconds)},setpts=PTS-STARTPTS,trim=end_frame=1[poster]`,
    ].join(';'),
    textFiles,
  };
}

// --- the render --------------------------------------------------------------------------

const { minDimension: MIN_DIMENSION, maxDimension: MAX_DIMENSION, minFps: MIN_FPS, maxFps: MAX_FPS } = renderLimits;

// This static ffmpeg silently crops odd sizes to even ones (yuv420p needs even) and accepts
// absurd ones, so the request is checked here rather than left to ffmpeg.
function checkRequest(req: RenderRequest): void {
  const problems: string[] = [];
  for (const [name, v] of [['width', req.width], ['height', req.height]] as const) {
    if (!Number.isInteger(v) || v < MIN_DIMENSION || v > MAX_DIMENSION || v % 2 !== 0) {
      problems.push(`${name} must be an even integer from ${MIN_DIMENSION} to ${MAX_DIMENSION} (got ${v})`);
    }
  }
  if (!Number.isFinite(req.durationSeconds) || req.durationSeconds <= 0) problems.push(`durationSeconds must be positive (got ${req.durationSeconds})`);
  if (!Number.isInteger(req.fps) || req.fps < MIN_FPS || req.fps > MAX_FPS) problems.push(`fps must be an integer from ${MIN_FPS} to ${MAX_FPS} (got ${req.fps})`);
  if (problems.length > 0) throw new RenderError('RENDER_FAILED', `invalid render request: ${problems.join('; ')}`, { retryable: false });
}

function outcomeError(outcome: Exclude<FfmpegOutcome, { kind: 'ok' }>, step: string): RenderError {
  if (outcome.kind === 'cancelled') return new RenderError('RENDER_CANCELLED', `render cancelled during ${step}`, { retryable: false });
  const { stderrTail } = outcome;
  switch (outcome.reason) {
    case 'interrupted':
      return new RenderError('RENDER_INTERRUPTED', `${step} was interrupted: ${outcome.message}`, { retryable: true, stderrTail });
    case 'no-space':
      return new RenderError('STORAGE_FULL', `${step} failed: the media storage is full`, { retryable: true, stderrTail });
    default:
      return new RenderError('RENDER_FAILED', `${step} failed: ${outcome.message}`, { retryable: outcome.retryable, stderrTail });
  }
}

const NO_SPACE_CODES = new Set(['ENOSPC', 'EDQUOT']);

/**
 * File system trouble fails the render but may pass on retry. A full disk or quota gets its
 * own code. The client message names the step and the errno code only; Node's message (which
 * holds the absolute path) goes to `detail`, for the log.
 */
async function fsStep<T>(what: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const detail = err instanceof Error ? err.message : String(err);
    if (code !== undefined && NO_SPACE_CODES.has(code)) {
      throw new RenderError('STORAGE_FULL', `${what}: the media storage is full`, { retryable: true, detail, cause: err });
    }
    throw new RenderError('RENDER_FAILED', `${what} (${code ?? 'unknown error'})`, { retryable: true, detail, cause: err });
  }
}

/** Below this much free space, invalid output is blamed on the disk (measured: ~0 B left). */
const LOW_SPACE_BYTES = 1024 * 1024;

async function freeBytes(dir: string): Promise<number | null> {
  try {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

/**
 * Success is decided by the files (see outputCheck.ts): on a full disk ffmpeg exited 0 with a
 * video lacking its moov box and a 0-byte poster. Runs while the partial files still take
 * their space, so the free-space reading reflects what the render met.
 */
async function verifyOutputs(req: RenderRequest, files: { video: string; poster: string; workDir: string }, stderrTail: string): Promise<void> {
  if (mentionsNoSpace(stderrTail)) {
    throw new RenderError('STORAGE_FULL', 'rendering failed: the media storage is full', { retryable: true, stderrTail, detail: 'ffmpeg exited 0 but reported a full disk' });
  }
  let problem: string;
  try {
    await checkMp4(files.video, { durationSeconds: req.durationSeconds, toleranceSeconds: DURATION_TOLERANCE_FRAMES / req.fps });
    await checkJpeg(files.poster);
    return;
  } catch (err) {
    if (err instanceof OutputInvalid) problem = err.message;
    else if ((err as NodeJS.ErrnoException).code === 'ENOENT') problem = 'a rendered file is missing';
    else throw new RenderError('RENDER_FAILED', 'cannot check the rendered files', { retryable: true, detail: String(err), cause: err });
  }
  const free = await freeBytes(files.workDir);
  const detail = `output check: ${problem}; ${free ?? 'unknown'} bytes free in ${files.workDir}`;
  if (free !== null && free < LOW_SPACE_BYTES) {
    throw new RenderError('STORAGE_FULL', 'rendering failed: the media storage is full', { retryable: true, stderrTail, detail });
  }
  throw new RenderError('RENDER_INCOMPLETE', `rendering produced an incomplete file: ${problem}`, { retryable: true, stderrTail, detail });
}

/** ffmpeg's `-t` and `-r` land the duration within a frame (7.3 s at 24 fps: 7.334 s). */
const DURATION_TOLERANCE_FRAMES = 2;

export async function renderVideo(req: RenderRequest): Promise<RenderResult> {
  checkRequest(req);
  if (req.signal?.aborted) throw new RenderError('RENDER_CANCELLED', 'render cancelled before it started', { retryable: false });

  const binary = req.ffmpegPath ?? ffmpegPath;
  const outputDir = path.resolve(req.outputDir);
  const attempt = req.attempt ?? 0;
  const workDir = workDirFor(outputDir, attempt);
  const contentFile = path.join(outputDir, 'video.mp4');
  const posterFile = path.join(outputDir, 'poster.jpg');
  const partialVideo = path.join(workDir, 'video.mp4');
  const partialPoster = path.join(workDir, 'poster.jpg');

  let lastFraction = 0;
  const report = (fraction: number, stage: RenderStage): void => {
    lastFraction = Math.max(lastFraction, Math.min(1, fraction));
    req.onProgress?.(lastFraction, stage);
  };

  const createdOutputDir = await fsStep('cannot create the output directory', async () => {
    const first = await mkdir(outputDir, { recursive: true });
    await removeEarlierWorkDirs(outputDir, attempt);
    await rm(workDir, { recursive: true, force: true });
    await mkdir(workDir);
    return first !== undefined;
  });

  const published: string[] = [];
  let succeeded = false;
  try {
    const scene = buildScene(req, workDir);
    await fsStep('cannot write the text files', () =>
      Promise.all(scene.textFiles.map((f) => writeFile(path.join(workDir, f.name), f.text, 'utf8'))));

    report(0, 'rendering');
    const rendered = await runFfmpeg({
      binary,
      args: [
        '-nostdin', '-nostats', '-hide_banner', '-loglevel', 'error', '-y', '-progress', 'pipe:1',
        '-f', 'lavfi', '-i', `color=c=${BACKGROUND}:s=${req.width}x${req.height}:r=${Math.min(TEXT_FPS, req.fps)}:d=${req.durationSeconds}`,
        '-filter_complex', scene.filter,
        '-map', '[video]',
        // Measured on 2 cores, 10 s 1280x720 24 fps: veryfast and superfast tie (0.6-1 s, the
        // machine's load dominates), ultrafast is slower (~1.3x) with 3x the bytes, faster and
        // medium cost ~1.5x. veryfast with the stillimage tune (slides are what this is)
        // gives the smallest file. One thread is ~1.4x slower than two. The default keyframe
        // interval stays: a 2 s GOP made the file 3.7x larger.
        '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'stillimage', '-threads', String(Math.min(availableParallelism(), 4)),
        '-pix_fmt', 'yuv420p', '-r', String(req.fps), '-t', String(req.durationSeconds),
        '-movflags', '+faststart', '-f', 'mp4', partialVideo,
        '-map', '[poster]', '-frames:v', '1', '-q:v', '3', '-c:v', 'mjpeg', '-f', 'image2', partialPoster,
      ],
      signal: req.signal,
      durationSeconds: req.durationSeconds,
      onProgress: (f) => report(f * RENDER_PROGRESS_SHARE, 'rendering'),
      onSpawn: req.onSpawn,
    });
    if (rendered.kind !== 'ok') throw outcomeError(rendered, 'rendering');
    await verifyOutputs(req, { video: partialVideo, poster: partialPoster, workDir }, rendered.stderrTail);
    await req.beforePublish?.();

    const sizeBytes = await fsStep('cannot publish the rendered files', async () => {
      await rename(partialPoster, posterFile);
      published.push(posterFile);
      await rename(partialVideo, contentFile);
      published.push(contentFile);
      return (await stat(contentFile)).size;
    });
    succeeded = true;
    report(1, 'rendering');
    return { contentFile, posterFile, sizeBytes };
  } catch (err) {
    // Cleanup never hides the render's own error.
    await Promise.all(published.map((f) => rm(f, { force: true }).catch(() => undefined)));
    throw err;
  } finally {
    await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
    if (!succeeded && createdOutputDir) await rmdir(outputDir).catch(() => undefined);
  }
}
