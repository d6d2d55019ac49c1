// GraphQL operations over HTTP (an Apollo plugin), by operation name, type and outcome. Names come
// only from documents that passed validation, and the first `maxOperationNames` distinct ones
// are kept: a client sending a new name per request would otherwise grow a series per name.
import type { ApolloServerPlugin, BaseContext, GraphQLRequestContextWillSendResponse } from '@apollo/server';
import { Counter, type Registry } from 'prom-client';

export const maxOperationNames = 100;
/** A longer name is "(other)": a name can be as long as the request body, and is kept for good. */
export const maxOperationNameLength = 100;
const anonymous = 'anonymous';
/** The document did not parse or validate: no operation was identified. */
const invalid = '(invalid)';
/** A name beyond the first maxOperationNames. */
const other = '(other)';

function hasErrors(context: GraphQLRequestContextWillSendResponse<BaseContext>): boolean {
  const { body } = context.response;
  const errors = body.kind === 'single' ? body.singleResult.errors : body.initialResult.errors;
  return (errors?.length ?? 0) > 0;
}

export function graphqlOperationsPlugin(registry: Registry): ApolloServerPlugin<BaseContext> {
  const operations = new Counter({
    name: 'longrun_graphql_operations_total',
    help: 'GraphQL operations over HTTP, by operation name (from the validated document; "anonymous", "(invalid)", "(other)" past the first 100 names or for one over 100 characters), type and outcome.',
    labelNames: ['operation', 'type', 'outcome'],
    registers: [registry],
  });
  const known = new Set<string>();
  const bounded = (name: string): string => {
    if (known.has(name)) return name;
    if (known.size >= maxOperationNames || name.length > maxOperationNameLength) return other;
    known.add(name);
    return name;
  };
  return {
    async requestDidStart() {
      let operation = invalid;
      let type = 'unknown';
      return {
        async didResolveOperation({ operationName, operation: definition }) {
          operation = operationName ? bounded(operationName) : anonymous;
          type = definition?.operation ?? 'unknown';
        },
        async willSendResponse(context) {
          operations.inc({ operation, type, outcome: hasErrors(context) ? 'error' : 'success' });
        },
      };
    },
  };
}
