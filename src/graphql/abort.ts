// An operation whose client has gone (HTTP: the connection closed before the answer was sent;
// WebSocket: the socket closed or the client completed the operation) stops resolving: every
// field resolver first checks the operation's signal, so an abandoned query or a batch of
// mutations ends at the next field instead of running to the end for nobody.
import { defaultFieldResolver, GraphQLError, isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';

export const clientGoneCode = 'CLIENT_CLOSED_REQUEST';

interface WithSignal {
  signal?: AbortSignal;
}

function stopIfAborted(context: unknown): void {
  const signal = (context as WithSignal | null | undefined)?.signal;
  if (signal?.aborted) throw new GraphQLError('The client went away; the operation was stopped.', { extensions: { code: clientGoneCode } });
}

/** Wraps every field resolver of the schema's own object types (in place) with the check. */
export function stopWhenAborted(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const resolve: GraphQLFieldResolver<unknown, unknown> = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context, info) => {
        stopIfAborted(context);
        return resolve(source, args, context, info);
      };
    }
  }
  return schema;
}
