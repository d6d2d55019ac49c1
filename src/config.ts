// The only place that reads the environment. Every setting has a typed default; a bad value
// stops the process at start with a message naming the variable.
import os from 'node:os';
import path from 'node:path';
import { authenticationRequired, loadAuthSettings, type AuthSettings } from './auth/authSettings.js';
import { isToken68 } from './auth/bearer.js';
import { authenticatedQuotaDefaults, unlimitedQuotas, type QuotaSettings } from './callers/quotas.js';
import { ConfigError } from './configError.js';
import type { LogFormat, LogLevel } from './logger.js';
import { renderLimits } from './videos/renderLimits.js';

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
  /**
   * A failure for want of a resource the operator can give back (a full disk) is retried
   * beyond maxAttempts while the task is younger than this: the work waits for space instead
   * of failing. 0: such failures count like any other.
   */
  resourceWaitMs: number;
}

/** Bounds on what one GraphQL document may ask for (graphql-armor), on HTTP and WebSocket alike. */
export interface GraphQLLimits {
  maxDepth: number;
  maxAliases: number;
  /** Lexical tokens in a document; parsing stops beyond it. */
  maxTokens: number;
  /** graphql-armor's cost: every field counts 1, a literal `first: N` multiplies its subtree by N. */
  maxCost: number;
  maxDirectives: number;
  /** Schema introspection (__schema, __type), on both transports. */
  introspection: boolean;
}

export interface WebSocketLimits {
  /** Open graphql-ws connections in all; upgrades beyond it are refused with 503. */
  maxConnections: number;
  /** Operations (subscriptions, queries) running at once on one connection. */
  maxOperationsPerConnection: number;
}

/** Who may reach the server from a browser, and under which names. */
export interface HttpAccess {
  /**
   * Host names (without port) the server answers to; null: any. Default: the loopback names
   * when HOST is a loopback address (so a DNS-rebinding page cannot reach it), else any.
   */
  allowedHosts: string[] | null;
  /** Origins allowed cross-origin (CORS, WebSocket upgrades, unsafe methods), besides loopback origins. */
  corsOrigins: string[];
}

export interface DatabaseLimits {
  /** PostgreSQL: longest a statement may run before it is cancelled (the request answers 503). */
  statementTimeoutMs: number;
  /** PostgreSQL: longest a request waits for a pooled connection (then 503). */
  poolTimeoutMs: number;
  /** PostgreSQL: connections in the pool. */
  poolSize: number;
}

/**
 * What one process does. `all` (the default, and the only role of the embedded database): the
 * HTTP, GraphQL and WebSocket interfaces and the worker. `api`: the interfaces only; it runs no
 * task. `worker`: runs tasks and serves only the health checks.
 */
export type Role = 'all' | 'api' | 'worker';
export const roles: readonly Role[] = ['all', 'api', 'worker'];

export interface JobEngineTuning {
  /** A job whose worker has not sent a heartbeat for this long is given to another worker (pg-boss's minimum: 10). */
  heartbeatSeconds: number;
  /** How often an idle worker slot looks for due jobs no notification announced (a retry's backoff ending). */
  pollIntervalSeconds: number;
}

export interface Config {
  role: Role;
  port: number;
  /** gRPC (google.longrunning.Operations, longrun.v1.Videos) on HOST; api and all roles. 0: any free port. */
  grpcPort: number;
  host: string;
  /** Embedded database and its lock live here (and the media files, unless mediaDir says otherwise). */
  dataDir: string;
  /** Rendered videos and posters; a volume shared by every process of a deployment. */
  mediaDir: string;
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
  jobs: JobEngineTuning;
  logLevel: LogLevel;
  /** LOG_FORMAT: JSON lines (json, the default) or lines for a person at a terminal (pretty). */
  logFormat: LogFormat;
  /**
   * NODE_ENV=development: GraphQL errors carry stack traces and "Did you mean" hints. Off by
   * default; the logs always have the detail.
   */
  development: boolean;
  /** Largest request body (REST, GraphQL over HTTP) and WebSocket message. */
  maxRequestBytes: number;
  graphql: GraphQLLimits;
  webSocket: WebSocketLimits;
  http: HttpAccess;
  database: DatabaseLimits;
  /** Who may call (API keys, JWT); none configured: one anonymous caller. */
  auth: AuthSettings;
  /** Per-caller limits; 0 is unlimited. */
  quotas: QuotaSettings;
  media: MediaLinkSettings;
  /** When set, GET /metrics answers only `Authorization: Bearer <this>`; unset: open (decision 0017). */
  metricsToken: string | undefined;
}

export interface MediaLinkSettings {
  /** Key of the media links' signatures; unset: generated once and kept in the database. */
  urlSecret: string | undefined;
  /** How long a signed link lasts at least (at most twice as long). */
  urlLifetimeSeconds: number;
}

export { ConfigError } from './configError.js';

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

function quotas(env: Env, authenticated: boolean): QuotaSettings {
  // Defaults apply to authenticated callers; a server without authentication has one local
  // caller and no limits unless they are set.
  const defaults = authenticated ? authenticatedQuotaDefaults : unlimitedQuotas;
  const creationsPerMinute = integer(env, 'QUOTA_CREATIONS_PER_MINUTE', defaults.creationsPerMinute, 0, 1_000_000);
  return {
    creationsPerMinute,
    creationBurst: integer(env, 'QUOTA_CREATION_BURST', creationsPerMinute, 0, 1_000_000),
    activeTasks: integer(env, 'QUOTA_ACTIVE_TASKS', defaults.activeTasks, 0, 10_000_000),
    mediaBytes: integer(env, 'QUOTA_MEDIA_BYTES', defaults.mediaBytes, 0, Number.MAX_SAFE_INTEGER),
    sockets: integer(env, 'QUOTA_SOCKETS', defaults.sockets, 0, 1_000_000),
  };
}

function mediaLinks(env: Env): MediaLinkSettings {
  const urlSecret = env.MEDIA_URL_SECRET || undefined;
  if (urlSecret !== undefined && urlSecret.length < 32) throw new ConfigError('MEDIA_URL_SECRET must be at least 32 characters');
  return { urlSecret, urlLifetimeSeconds: integer(env, 'MEDIA_URL_TTL_SECONDS', 3600, 60, 7 * 86_400) };
}

/** Bearer-sendable (a token with a space or a trailing newline, as a secret file often has, could never match) and not guessable. */
function metricsToken(env: Env): string | undefined {
  const token = env.METRICS_TOKEN || undefined;
  if (token !== undefined && (token.length < 16 || !isToken68(token))) {
    throw new ConfigError('METRICS_TOKEN must be at least 16 characters of letters, digits and - . _ ~ + / (then = at the end), as it is sent in an Authorization: Bearer header');
  }
  return token;
}

function evenInteger(env: Env, name: string, fallback: number): number {
  const value = integer(env, name, fallback, renderLimits.minDimension, renderLimits.maxDimension);
  // libx264 with yuv420p needs even dimensions.
  if (value % 2 !== 0) throw new ConfigError(`${name} must be even, got ${value}`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(raw)}`);
}

function list(env: Env, name: string): string[] | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  return raw.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

const logLevels: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];
const logFormats: readonly LogFormat[] = ['json', 'pretty'];

/** Names that reach only this machine; the default allow-list of a server bound to loopback. */
export const loopbackHostNames = ['localhost', '127.0.0.1', '[::1]', '::1'] as const;

export function isLoopbackHost(host: string): boolean {
  return (loopbackHostNames as readonly string[]).includes(host) || /^127(\.\d{1,3}){3}$/.test(host);
}

function corsOrigins(env: Env): string[] {
  const origins = list(env, 'CORS_ORIGINS') ?? [];
  for (const origin of origins) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(origin);
    } catch {
      // reported below
    }
    // An origin is scheme://host[:port], exactly as a browser sends it in the Origin header.
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
      throw new ConfigError(`CORS_ORIGINS must be a comma-separated list of origins like https://app.example.com, got ${JSON.stringify(origin)}`);
    }
  }
  return origins;
}

function allowedHosts(env: Env, host: string): string[] | null {
  const hosts = list(env, 'ALLOWED_HOSTS');
  if (hosts?.includes('*')) return null;
  if (hosts) return hosts.map((name) => name.toLowerCase());
  return isLoopbackHost(host) ? [...loopbackHostNames] : null;
}

export function loadConfig(env: Env = process.env): Config {
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgresql:// URL');
  }
  const logLevel = (env.LOG_LEVEL || 'info') as LogLevel;
  if (!logLevels.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${logLevels.join(', ')}`);
  const logFormat = (env.LOG_FORMAT || 'json') as LogFormat;
  if (!logFormats.includes(logFormat)) throw new ConfigError(`LOG_FORMAT must be one of ${logFormats.join(', ')}, got ${JSON.stringify(env.LOG_FORMAT)}`);
  const host = env.HOST || '127.0.0.1';
  const role = (env.ROLE || 'all') as Role;
  if (!roles.includes(role)) throw new ConfigError(`ROLE must be one of ${roles.join(', ')}, got ${JSON.stringify(env.ROLE)}`);
  if (role !== 'all' && databaseUrl === undefined) {
    throw new ConfigError(`ROLE=${role} needs DATABASE_URL: the embedded database serves one process, which has every role`);
  }
  const dataDir = path.resolve(env.DATA_DIR || './data');
  const auth = loadAuthSettings(env);
  return {
    role,
    // A worker answers only health checks; its own default lets it run beside an API on one machine.
    port: integer(env, 'PORT', role === 'worker' ? 4001 : 4000, 0, 65535),
    grpcPort: integer(env, 'GRPC_PORT', 50051, 0, 65535),
    host,
    dataDir,
    mediaDir: path.resolve(env.MEDIA_DIR || path.join(dataDir, 'media')),
    databaseUrl,
    workerConcurrency: integer(env, 'WORKER_CONCURRENCY', os.availableParallelism(), 1, 1024),
    progressIntervalMs: integer(env, 'PROGRESS_INTERVAL_MS', 100, 0, 60_000),
    render: {
      width: evenInteger(env, 'RENDER_WIDTH', 1280),
      height: evenInteger(env, 'RENDER_HEIGHT', 720),
      fps: integer(env, 'RENDER_FPS', 24, renderLimits.minFps, renderLimits.maxFps),
      ...(env.FFMPEG_PATH ? { ffmpegPath: env.FFMPEG_PATH } : {}),
    },
    retry: {
      maxAttempts: integer(env, 'RETRY_MAX_ATTEMPTS', 3, 1, 100),
      baseMs: integer(env, 'RETRY_BASE_MS', 1000, 0, 3_600_000),
      capMs: integer(env, 'RETRY_CAP_MS', 60_000, 0, 86_400_000),
      resourceWaitMs: integer(env, 'RETRY_FULL_DISK_SECONDS', 3600, 0, 30 * 86_400) * 1000,
    },
    taskRetentionMs: integer(env, 'TASK_RETENTION_SECONDS', 7 * 24 * 3600, 1, 10 * 365 * 24 * 3600) * 1000,
    purgeIntervalMs: integer(env, 'PURGE_INTERVAL_SECONDS', 60, 1, 86_400) * 1000,
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_SECONDS', 25, 0, 3600) * 1000,
    jobs: {
      heartbeatSeconds: integer(env, 'JOB_HEARTBEAT_SECONDS', 10, 10, 3600),
      pollIntervalSeconds: integer(env, 'JOB_POLL_INTERVAL_MS', 1000, 500, 60_000) / 1000,
    },
    logLevel,
    logFormat,
    development: env.NODE_ENV === 'development',
    maxRequestBytes: integer(env, 'MAX_REQUEST_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    graphql: {
      maxDepth: integer(env, 'GRAPHQL_MAX_DEPTH', 8, 1, 100),
      maxAliases: integer(env, 'GRAPHQL_MAX_ALIASES', 15, 0, 1000),
      maxTokens: integer(env, 'GRAPHQL_MAX_TOKENS', 2000, 10, 100_000),
      maxCost: integer(env, 'GRAPHQL_MAX_COST', 5000, 1, 1_000_000),
      maxDirectives: integer(env, 'GRAPHQL_MAX_DIRECTIVES', 20, 0, 1000),
      introspection: boolean(env, 'GRAPHQL_INTROSPECTION', env.NODE_ENV !== 'production'),
    },
    webSocket: {
      maxConnections: integer(env, 'WS_MAX_CONNECTIONS', 1000, 1, 1_000_000),
      maxOperationsPerConnection: integer(env, 'WS_MAX_OPERATIONS_PER_CONNECTION', 100, 1, 100_000),
    },
    http: {
      allowedHosts: allowedHosts(env, host),
      corsOrigins: corsOrigins(env),
    },
    database: {
      statementTimeoutMs: integer(env, 'DB_STATEMENT_TIMEOUT_MS', 10_000, 100, 3_600_000),
      poolTimeoutMs: integer(env, 'DB_POOL_TIMEOUT_MS', 5_000, 100, 600_000),
      poolSize: integer(env, 'DB_POOL_SIZE', 10, 1, 1000),
    },
    auth,
    quotas: quotas(env, authenticationRequired(auth)),
    media: mediaLinks(env),
    metricsToken: metricsToken(env),
  };
}
