import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createProgressParser } from './ffmpegProgress.js';

const require = createRequire(import.meta.url);

function resolveFfmpegPath(): string {
  try {
    const installer: unknown = require('@ffmpeg-installer/ffmpeg');
    if (typeof installer === 'object' && installer !== null && 'path' in installer) {
      const p = installer.path;
      if (typeof p === 'string' && p.length > 0) return p;
    }
  } catch {
    // The installer throws when its platform binary is missing. Falling back to a PATH
    // lookup keeps module loading harmless; a render then fails with a clear ENOENT.
  }
  return 'ffmpeg';
}

/** Absolute path of the bundled static ffmpeg (or `ffmpeg` from PATH if it is missing). */
export const ffmpegPath: string = resolveFfmpegPath();

const fontDir = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');

/** A TrueType file shipped by `dejavu-fonts-ttf`, e.g. `DejaVuSansMono.ttf`. */
export function fontFile(name: string): string {
  return path.join(fontDir, name);
}

/**
 * Escapes a value for a filter option inside a filtergraph string. Two parsers unescape
 * in turn: the option parser (special: `\ ' :`) and then, outermost, the graph parser
 * (special: `\ ' [ ] , ;`). So escape for the option level first, then for the graph.
 */
export function escapeFilterValue(value: string): string {
  const optionLevel = value.replace(/[\\':]/g, (c) => `\\${c}`);
  return optionLevel.replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}

export interface FfmpegRunOptions {
  binary: string;
  args: string[];
  signal?: AbortSignal;
  /** Output duration; progress is out_time / duration. */
  durationSeconds?: number;
  onProgress?: (fraction: number) => void;
  onSpawn?: (pid: number) => void;
}

export type FfmpegOutcome =
  | { kind: 'ok' }
  | { kind: 'cancelled' }
  | { kind: 'failed'; message: string; stderrTail: string; retryable: boolean };

const STDERR_TAIL_CHARS = 4000;

/** Error codes of spawn failures worth another attempt (resource exhaustion). */
const TRANSIENT_SPAWN_ERRORS = new Set(['EAGAIN', 'EMFILE', 'ENFILE', 'ENOMEM']);

/**
 * Runs ffmpeg once. Never rejects: the outcome says how it ended. On abort the child is
 * SIGKILLed and the promise settles only after it has exited (so it is reaped).
 */
export function runFfmpeg(opts: FfmpegRunOptions): Promise<FfmpegOutcome> {
  return new Promise<FfmpegOutcome>((resolve) => {
    if (opts.signal?.aborted) {
      resolve({ kind: 'cancelled' });
      return;
    }
    const child = spawn(opts.binary, opts.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderrTail = '';
    let aborted = false;
    let settled = false;

    const finish = (outcome: FfmpegOutcome): void => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    function onAbort(): void {
      aborted = true;
      child.kill('SIGKILL');
    }

    const { durationSeconds, onProgress } = opts;
    if (durationSeconds !== undefined && onProgress) {
      const parser = createProgressParser(durationSeconds, onProgress);
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => parser.push(chunk));
    } else {
      child.stdout.resume();
    }
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
    });

    child.on('error', (err: NodeJS.ErrnoException) => {
      // With a pid the process exists (e.g. a failed kill); 'close' will still follow.
      if (child.pid !== undefined) return;
      finish({
        kind: 'failed',
        message: `cannot start ffmpeg (${opts.binary}): ${err.message}`,
        stderrTail,
        retryable: err.code !== undefined && TRANSIENT_SPAWN_ERRORS.has(err.code),
      });
    });
    child.on('close', (code, signal) => {
      if (aborted) return finish({ kind: 'cancelled' });
      if (code === 0) return finish({ kind: 'ok' });
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const tail = stderrTail.trim();
      finish({
        kind: 'failed',
        message: `ffmpeg ${how}${tail ? `: ${lastLines(tail, 5)}` : ''}`,
        stderrTail: tail,
        // A deterministic error exits non-zero; an outside kill (e.g. OOM killer) may pass.
        retryable: signal !== null,
      });
    });

    if (child.pid !== undefined) {
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      opts.onSpawn?.(child.pid);
      // The signal may have fired during onSpawn (a listener added late never runs).
      if (opts.signal?.aborted && !aborted) onAbort();
    }
  });
}

function lastLines(text: string, count: number): string {
  return text.split('\n').slice(-count).join(' | ');
}
