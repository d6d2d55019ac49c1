// Errors the services raise on purpose. Interfaces translate them: GraphQL to extensions.code,
// REST to problem+json. Anything else reaching an interface is unexpected and gets masked.

export interface FieldError {
  /** Name of the input field at fault, e.g. "title". */
  field: string;
  message: string;
  /** Where the field is, when not in the body or input object. */
  in?: 'query' | 'header';
}

export abstract class AppError extends Error {
  abstract readonly code: 'BAD_USER_INPUT' | 'NOT_FOUND' | 'CONFLICT' | 'UNAVAILABLE' | 'UNAUTHENTICATED' | 'RATE_LIMITED' | 'QUOTA_EXCEEDED';
}

export class ValidationError extends AppError {
  readonly code = 'BAD_USER_INPUT' as const;
  constructor(readonly fields: FieldError[]) {
    super(`Invalid input: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`);
  }
}

export class NotFoundError extends AppError {
  readonly code = 'NOT_FOUND' as const;
  constructor(readonly resource: 'task' | 'video' | 'media', readonly id: string) {
    super(`No ${resource} with id ${JSON.stringify(id)}`);
  }
}

export class ConflictError extends AppError {
  readonly code = 'CONFLICT' as const;
  /** Machine-readable facts about the conflict, e.g. the id of the task in the way. */
  constructor(message: string, readonly details: Record<string, unknown> = {}) {
    super(message);
  }
}

/** An Idempotency-Key reused with a different request (REST answers 422, as the IETF draft says). */
export class IdempotencyKeyReusedError extends ConflictError {
  constructor(key: string) {
    super(`The idempotency key ${JSON.stringify(key)} was already used with a different request.`, { idempotencyKey: key });
  }
}

/** The server is starting or stopping and cannot take the request now. */
export class UnavailableError extends AppError {
  readonly code = 'UNAVAILABLE' as const;
  /** When to try again: REST's Retry-After, GraphQL's extensions.retryAfterSeconds. */
  readonly retryAfterSeconds = 5;
}

/**
 * No valid credentials where they are required. REST answers 401 with `WWW-Authenticate: Bearer`
 * (RFC 6750: `error="invalid_token"` unless they were missing), GraphQL UNAUTHENTICATED.
 */
export class UnauthenticatedError extends AppError {
  readonly code = 'UNAUTHENTICATED' as const;
  constructor(readonly reason: 'missing' | 'invalid' | 'expired', message?: string) {
    super(message ?? (reason === 'missing'
      ? 'This server requires credentials: send Authorization: Bearer <API key or token>.'
      : reason === 'expired' ? 'The token has expired.' : 'The credentials are not valid.'));
  }

  /** The WWW-Authenticate challenge (RFC 6750): no error attribute when nothing was sent. */
  get challenge(): string {
    return this.reason === 'missing' ? 'Bearer realm="longrun"' : 'Bearer realm="longrun", error="invalid_token"';
  }
}

/** Too many requests of one kind from one caller in a period; try again after `retryAfterSeconds`. */
export class RateLimitedError extends AppError {
  readonly code = 'RATE_LIMITED' as const;
  constructor(message: string, readonly retryAfterSeconds: number, readonly details: Record<string, unknown> = {}) {
    super(message);
  }
}

/**
 * A caller's standing limit is reached (tasks under way, stored media): it clears when the
 * caller's own work finishes or is removed, not with time alone.
 */
export class QuotaExceededError extends AppError {
  readonly code = 'QUOTA_EXCEEDED' as const;
  constructor(message: string, readonly details: { quota: string; limit: number; used: number }) {
    super(message);
  }
}

// SQLSTATEs that say the database could not serve the request now, not that the request is wrong:
// 57014 query_canceled (statement_timeout), 55P03 lock_not_available (lock_timeout), 53100
// disk_full (the embedded database on a full DATA_DIR, too), 53200 out_of_memory, 53300
// too_many_connections, 57P01-57P03 admin shutdown / crash shutdown / cannot connect now, and the
// 08 class (connection exceptions).
const unavailableSqlStates = new Set(['57014', '55P03', '53100', '53200', '53300', '57P01', '57P02', '57P03']);
/**
 * 55000 (object not in prerequisite state) is also what PostgreSQL answers a connection to a
 * database that refuses them for now (ALLOW_CONNECTIONS false during maintenance): a wait, not a
 * bug. Its other uses are bugs, so only that message counts.
 */
const refusingConnections = /is not currently accepting connections/;
// How @prisma/adapter-pg names connection failures it recognises (DriverAdapterError.cause.kind).
const unavailableAdapterKinds = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
// pg-pool's and pg's own messages when no connection could be had in connectionTimeoutMillis;
// they carry no code, and @prisma/adapter-pg passes them on as they are.
const poolTimeoutMessages = new Set(['timeout exceeded when trying to connect', 'Connection terminated due to connection timeout']);

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
}

/** The adapter's description of a driver error: `cause` of a DriverAdapterError, wherever Prisma put it. */
function driverAdapterCause(error: Record<string, unknown>): Record<string, unknown> | null {
  // Prisma 7 with a driver adapter: PrismaClientKnownRequestError (P2039 for model queries, P2010
  // for raw ones) with meta.driverAdapterError = DriverAdapterError { cause: {kind, originalCode, ...} }.
  const fromMeta = record(record(record(error.meta)?.driverAdapterError)?.cause);
  if (fromMeta) return fromMeta;
  // The adapter's own error, before Prisma wrapped it.
  return error.name === 'DriverAdapterError' ? record(error.cause) : null;
}

/** Whether an error means the database is stalled or out of reach (a timeout, no free connection). */
export function isDatabaseUnavailable(error: unknown): boolean {
  const fields = record(error);
  if (!fields) return false;
  if (typeof fields.message === 'string' && poolTimeoutMessages.has(fields.message)) return true;
  const cause = driverAdapterCause(fields);
  if (!cause) return false;
  const sqlState = typeof cause.originalCode === 'string' ? cause.originalCode : typeof cause.code === 'string' ? cause.code : '';
  if (sqlState === '55000') return refusingConnections.test(JSON.stringify(cause));
  return unavailableSqlStates.has(sqlState) || sqlState.startsWith('08') || (typeof cause.kind === 'string' && unavailableAdapterKinds.has(cause.kind));
}

export const databaseUnavailableMessage = 'The database did not answer in time; try again shortly.';

/**
 * The error to report for `error`: an UnavailableError (REST 503 + Retry-After, GraphQL
 * UNAVAILABLE) when the database timed out or is out of reach, else `error` itself.
 */
export function asUnavailable(error: unknown): unknown {
  if (error instanceof UnavailableError || !isDatabaseUnavailable(error)) return error;
  return new UnavailableError(databaseUnavailableMessage, { cause: error });
}
