import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Readable } from 'node:stream';
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

/**
 * Why a run failed, for the caller to pick an error code:
 * - `interrupted`: stopped by a signal we did not send (an operator's kill, the OOM killer, a
 *   service manager stopping the whole cgroup). Says nothing about the input: worth retrying.
 * - `no-space`: ffmpeg said the disk or quota is full.
 * - `spawn`: ffmpeg could not be started.
 * - `error`: any other non-zero exit, taken as deterministic.
 */
export type FfmpegFailureReason = 'interrupted' | 'no-space' | 'spawn' | 'error';

export type FfmpegOutcome =
  /** Exit 0. The stderr tail still matters: ffmpeg exits 0 after some failed writes. */
  | { kind: 'ok'; stderrTail: string }
  | { kind: 'cancelled' }
  | {
    kind: 'failed';
    reason: FfmpegFailureReason;
    /** Safe to show a client: no path, no stderr. */
    message: string;
    /** For the server log only. */
    stderrTail: string;
    retryable: boolean;
  };

const STDERR_TAIL_CHARS = 4000;

/** Error codes of spawn failures worth another attempt (resource exhaustion). */
const TRANSIENT_SPAWN_ERRORS = new Set(['EAGAIN', 'EMFILE', 'ENFILE', 'ENOMEM']);

/** What ffmpeg (libavutil's strerror) prints for ENOSPC and EDQUOT. */
const NO_SPACE = /No space left on device|Disk quota exceeded/i;
export function mentionsNoSpace(stderr: string): boolean {
  return NO_SPACE.test(stderr);
}

/**
 * ffmpeg catches SIGINT, SIGTERM and SIGQUIT, finishes the file it writes, logs "Exiting
 * normally, received signal N." (at info level, which our `-loglevel error` hides) and exits
 * 255; its ordinary errors exit 1. So 255, or that line, means "stopped by a signal".
 */
const SIGNAL_EXIT_CODE = 255;
const RECEIVED_SIGNAL = /received signal/i;

/**
 * PR_SET_PDEATHSIG through util-linux's setpriv: the kernel SIGKILLs ffmpeg when the node
 * process dies, even by SIGKILL. It survives setpriv's exec (only set-user-ID executables
 * clear it), and setpriv execs ffmpeg in place, so the pid we see is ffmpeg's. Checked here:
 * node SIGKILLed mid-render left a plain-spawned ffmpeg running (state S) for good, a
 * setpriv-spawned one dead at once (a zombie until init reaps it). Without setpriv we fall
 * back to a plain spawn; an orphan then runs to its end or until `-t`.
 * (The parent for pdeathsig is the forking thread; libuv forks on the main thread.)
 */
const SETPRIV = '/usr/bin/setpriv';
const pdeathsigAvailable = process.platform === 'linux' && existsSync(SETPRIV);

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The absolute path spawn would run for `binary` (a name is looked up on PATH, a relative path
 * is taken from the working directory), or null when there is no such executable. Without it a
 * `FFMPEG_PATH=ffmpeg` went without the parent-death signal and outlived a killed node.
 */
function resolveExecutable(binary: string): string | null {
  if (binary.includes('/')) {
    const file = path.resolve(binary);
    return isExecutable(file) ? file : null;
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.resolve(dir || '.', binary);
    if (isExecutable(file)) return file;
  }
  return null;
}

function spawnFfmpeg(binary: string, args: string[]): ChildProcessByStdio<null, Readable, Readable> {
  // Only for a binary known to be there: setpriv reports a failed exec as exit 127, which
  // would hide spawn's own ENOENT/EACCES.
  const resolved = pdeathsigAvailable ? resolveExecutable(binary) : null;
  const [command, commandArgs] = resolved
    ? [SETPRIV, ['--pdeathsig', 'KILL', '--', resolved, ...args]]
    : [binary, args];
  return spawn(command, commandArgs, {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a terminal's Ctrl-C (SIGINT to the foreground group) reaches
    // node only, so the shutdown decides: let the render finish within the grace period or
    // kill it and put the task back to PENDING. Before, ffmpeg got the SIGINT too, exited 255
    // and the task failed for good. A service manager that signals the whole cgroup still
    // reaches ffmpeg; that case is classified as `interrupted` below.
    detached: true,
  });
}

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
    const child = spawnFfmpeg(opts.binary, opts.args);
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
        reason: 'spawn',
        message: `ffmpeg could not be started (${err.code ?? 'unknown error'})`,
        stderrTail: err.message,
        retryable: err.code !== undefined && TRANSIENT_SPAWN_ERRORS.has(err.code),
      });
    });
    child.on('close', (code, signal) => {
      if (aborted) return finish({ kind: 'cancelled' });
      const tail = stderrTail.trim();
      if (code === 0) return finish({ kind: 'ok', stderrTail: tail });
      if (signal !== null || code === SIGNAL_EXIT_CODE || RECEIVED_SIGNAL.test(tail)) {
        return finish({
          kind: 'failed',
          reason: 'interrupted',
          message: signal !== null ? `ffmpeg was killed by ${signal}` : 'ffmpeg was stopped by a signal',
          stderrTail: tail,
          retryable: true,
        });
      }
      if (mentionsNoSpace(tail)) {
        return finish({ kind: 'failed', reason: 'no-space', message: 'ffmpeg ran out of disk space', stderrTail: tail, retryable: true });
      }
      finish({ kind: 'failed', reason: 'error', message: `ffmpeg exited with code ${code}`, stderrTail: tail, retryable: false });
    });

    if (child.pid !== undefined) {
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      opts.onSpawn?.(child.pid);
      // The signal may have fired during onSpawn (a listener added late never runs).
      if (opts.signal?.aborted && !aborted) onAbort();
    }
  });
}
