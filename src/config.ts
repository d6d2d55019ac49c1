// The only place that reads the environment. Every setting has a typed default; a bad value
// stops the process at start with a message naming the variable.
import os from 'node:os';
import path from 'node:path';
import type { LogLevel } from './logger.js';

export interface RenderSettings {
  width: number;
  height: number;
  fps: number;
  /** Default: the static ffmpeg shipped by @ffmpeg-installer/ffmpeg. */
  ffmpegPath?: string;
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Backoff before the second attempt; it doubles per attempt up to capMs, with jitter. */
  baseMs: number;
  capMs: number;
}

export interface Config {
  port: number;
  host: string;
  /** Embedded database, media files and the lock live here. */
  dataDir: string;
  /** When set, PostgreSQL instead of the embedded PGlite. */
  databaseUrl: string | undefined;
  workerConcurrency: number;
  /** Minimum time between two published progress changes of one task. */
  progressIntervalMs: number;
  render: RenderSettings;
  retry: RetryPolicy;
  /** Finished tasks are kept this long (shown as expiresAt), then purged. */
  taskRetentionMs: number;
  /** How often the purge of expired tasks and idempotency keys runs. */
  purgeIntervalMs: number;
  /** On SIGTERM/SIGINT, how long running tasks may go on before they are put back to PENDING. */
  shutdownGraceMs: number;
  /** How often the runner reconciles its queue with the database (see TaskRunner.sweep). */
  sweepIntervalMs: number;
  logLevel: LogLevel;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function evenInteger(env: Env, name: string, fallback: number): number {
  const value = integer(env, name, fallback, 16, 3840);
  // libx264 with yuv420p needs even dimensions.
  if (value % 2 !== 0) throw new ConfigError(`${name} must be even, got ${value}`);
  return value;
}

const logLevels: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

export function loadConfig(env: Env = process.env): Config {
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgresql:// URL');
  }
  const logLevel = (env.LOG_LEVEL || 'info') as LogLevel;
  if (!logLevels.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${logLevels.join(', ')}`);
  return {
    port: integer(env, 'PORT', 4000, 0, 65535),
    host: env.HOST || '127.0.0.1',
    dataDir: path.resolve(env.DATA_DIR || './data'),
    databaseUrl,
    workerConcurrency: integer(env, 'WORKER_CONCURRENCY', os.availableParallelism(), 1, 1024),
    progressIntervalMs: integer(env, 'PROGRESS_INTERVAL_MS', 100, 0, 60_000),
    render: {
      width: evenInteger(env, 'RENDER_WIDTH', 1280),
      height: evenInteger(env, 'RENDER_HEIGHT', 720),
      fps: integer(env, 'RENDER_FPS', 24, 1, 60),
      ...(env.FFMPEG_PATH ? { ffmpegPath: env.FFMPEG_PATH } : {}),
    },
    retry: {
      maxAttempts: integer(env, 'RETRY_MAX_ATTEMPTS', 3, 1, 100),
      baseMs: integer(env, 'RETRY_BASE_MS', 1000, 0, 3_600_000),
      capMs: integer(env, 'RETRY_CAP_MS', 60_000, 0, 86_400_000),
    },
    taskRetentionMs: integer(env, 'TASK_RETENTION_SECONDS', 7 * 24 * 3600, 1, 10 * 365 * 24 * 3600) * 1000,
    purgeIntervalMs: integer(env, 'PURGE_INTERVAL_SECONDS', 60, 1, 86_400) * 1000,
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_SECONDS', 25, 0, 3600) * 1000,
    sweepIntervalMs: integer(env, 'RUNNER_SWEEP_SECONDS', 5, 1, 3600) * 1000,
    logLevel,
  };
}
