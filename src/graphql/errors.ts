// Expected errors keep a stable extensions.code; anything else is logged and masked.
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { AppError, ConflictError, ValidationError } from '../errors.js';
import type { Logger } from '../logger.js';

export function toGraphQLError(error: AppError): GraphQLError {
  const extensions: Record<string, unknown> = { code: error.code };
  if (error instanceof ValidationError) extensions.fields = error.fields;
  if (error instanceof ConflictError) Object.assign(extensions, error.details);
  return new GraphQLError(error.message, { extensions });
}

export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof AppError) {
      const { extensions } = toGraphQLError(original);
      return { ...formatted, message: original.message, extensions };
    }
    // GraphQL's own errors (syntax, validation, variable coercion) are the caller's to see.
    if (original instanceof GraphQLError) return formatted;
    logger.error('unexpected error in a GraphQL operation', { error: original, path: formatted.path });
    return {
      message: 'Internal server error',
      ...(formatted.path ? { path: formatted.path } : {}),
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}
