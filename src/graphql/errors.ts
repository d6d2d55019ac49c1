// Expected errors keep a stable extensions.code; anything else is logged and masked.
// Outside development, errors carry no stack trace and no "Did you mean ...?" hint (they
// would show code paths and schema names to anyone); in development every error has its
// stack trace. The same formatter serves HTTP and WebSocket.
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, Kind, type GraphQLFormattedError } from 'graphql';
import {
  AppError, asUnavailable, ConflictError, QuotaExceededError, RateLimitedError, UnauthenticatedError, UnavailableError, ValidationError,
} from '../errors.js';
import type { Logger } from '../logger.js';
import { requestLogger } from '../logging/requestLogging.js';

export function toGraphQLError(error: AppError): GraphQLError {
  const extensions: Record<string, unknown> = { code: error.code };
  if (error instanceof ValidationError) extensions.fields = error.fields;
  if (error instanceof ConflictError) Object.assign(extensions, error.details);
  if (error instanceof QuotaExceededError) Object.assign(extensions, error.details);
  if (error instanceof RateLimitedError) Object.assign(extensions, error.details);
  if (error instanceof UnavailableError || error instanceof RateLimitedError) extensions.retryAfterSeconds = error.retryAfterSeconds;
  return new GraphQLError(error.message, { extensions });
}

/**
 * A request refused before any operation runs (no valid credentials; the keys to check a token
 * could not be fetched), with the HTTP status and headers Apollo sends for it: 401 with
 * WWW-Authenticate, or 503 with Retry-After.
 */
export function requestRefusal(error: unknown): unknown {
  const original = asUnavailable(error);
  if (original instanceof UnauthenticatedError) {
    const { extensions } = toGraphQLError(original);
    return new GraphQLError(original.message, {
      extensions: { ...extensions, http: { status: 401, headers: new Map([['www-authenticate', original.challenge]]) } },
    });
  }
  if (original instanceof UnavailableError) {
    const { extensions } = toGraphQLError(original);
    return new GraphQLError(original.message, {
      extensions: { ...extensions, http: { status: 503, headers: new Map([['retry-after', String(original.retryAfterSeconds)]]) } },
    });
  }
  return error;
}

/** A variable's value that does not fit its type, recognised as Apollo recognises it (isBadUserInputGraphQLError). */
function isVariableCoercionError(error: GraphQLError): boolean {
  const node = error.nodes?.length === 1 ? error.nodes[0] : undefined;
  if (node?.kind !== Kind.VARIABLE_DEFINITION) return false;
  const name = node.variable.name.value;
  return ['got invalid value ', 'of required type ', 'of non-null type '].some((rest) => error.message.startsWith(`Variable "$${name}" ${rest}`));
}

/** Apollo's ApolloServerPluginDisableSuggestions uses the same pattern. */
const suggestion = / ?Did you mean(.+?)\?$/;

export function createErrorFormatter(logger: Logger, { development }: { development: boolean }) {
  const format = (formatted: GraphQLFormattedError, original: unknown): GraphQLFormattedError => {
    if (original instanceof AppError) {
      const { extensions } = toGraphQLError(original);
      return { ...formatted, message: original.message, extensions };
    }
    // GraphQL's own errors (syntax, validation, variable coercion) are the caller's to see.
    if (original instanceof GraphQLError) {
      // Apollo marks variable coercion errors BAD_USER_INPUT on HTTP; graphql-ws sets no code.
      if (formatted.extensions?.code === undefined && isVariableCoercionError(original)) {
        return { ...formatted, extensions: { ...formatted.extensions, code: 'BAD_USER_INPUT' } };
      }
      return formatted;
    }
    // Over HTTP the request's logger (with its reqId); over a WebSocket the server's.
    requestLogger(logger).error({ err: original, path: formatted.path }, 'unexpected error in a GraphQL operation');
    return {
      message: 'Internal server error',
      ...(formatted.path ? { path: formatted.path } : {}),
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    // A database timeout outside any Prisma operation (waiting for a pooled connection to start
    // a transaction) is still the database's unavailability: UNAVAILABLE, not a masked error.
    const original = asUnavailable(unwrapResolverError(error));
    const result = format(formatted, original);
    const { stacktrace, ...extensions } = result.extensions ?? {};
    if (development) {
      const stack = stacktrace ?? (original instanceof Error ? original.stack?.split('\n') : undefined);
      return stack === undefined ? result : { ...result, extensions: { ...extensions, stacktrace: stack } };
    }
    return {
      ...result,
      message: result.message.replace(suggestion, ''),
      ...(result.extensions ? { extensions } : {}),
    };
  };
}
