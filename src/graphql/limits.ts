// What one GraphQL document may ask for, enforced before anything executes, identically on
// HTTP (Apollo's parseOptions and validationRules) and WebSocket (our graphql-ws onSubscribe).
//
//   tokens      graphql's own parser stops after maxTokens        -> GRAPHQL_PARSE_FAILED
//   depth, aliases, directives, cost (graphql-armor rules), and
//   introspection when it is off (graphql's NoSchemaIntrospectionCustomRule)
//                                                                 -> GRAPHQL_VALIDATION_FAILED
// These are Apollo Server's own codes for documents that fail to parse or validate (it sets
// them on HTTP whatever a rule reports), so the WebSocket side uses them too.
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, NoSchemaIntrospectionCustomRule, type ValidationContext, type ValidationRule } from 'graphql';
import type { GraphQLLimits } from '../config.js';

export const LimitErrorCode = {
  /** Not a document: a syntax error, or more tokens than maxTokens. */
  ParseFailed: 'GRAPHQL_PARSE_FAILED',
  /** A valid document that breaks a rule: the schema's, or a limit (depth, aliases, cost, directives, introspection). */
  ValidationFailed: 'GRAPHQL_VALIDATION_FAILED',
  /** WebSocket: more operations at once on one connection than allowed. */
  TooManyOperations: 'TOO_MANY_OPERATIONS',
} as const;

/**
 * graphql-armor's cost: every field the answer may hold counts 1 (objects too), a list's
 * `first: N` literal multiplies its subtree by N, no extra weight per level. With armor's
 * defaults (objects 2, x1.5 per level) one page of 100 tasks with every field (the dashboard
 * query) would cost 20,094 and be refused by the default limit of 5,000; with these it costs
 * 4,300 and two such pages are refused. `first: $variable` is not multiplied (armor reads
 * literals only); the alias and depth limits still bound such documents.
 */
const costWeights = { objectCost: 1, scalarCost: 1, depthCostFactor: 1 } as const;

/** Reports a refused document as a validation error instead of throwing out of validate(). */
function report(context: ValidationContext | null, error: GraphQLError): void {
  // armor prefixes every message with "Syntax Error: "; it is not one.
  const message = error.message.replace(/^Syntax Error: /, '');
  context?.reportError(new GraphQLError(message, { extensions: { code: LimitErrorCode.ValidationFailed } }));
}

/** Validation rules beyond graphql's specified ones, for both transports. */
export function limitRules(limits: GraphQLLimits): ValidationRule[] {
  const reject = { propagateOnRejection: false, onReject: [report] };
  const { validationRules } = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, ...reject },
    maxAliases: { n: limits.maxAliases, ...reject },
    maxDirectives: { n: limits.maxDirectives, ...reject },
    costLimit: { maxCost: limits.maxCost, ...costWeights, ...reject },
    // Tokens: graphql's parse({ maxTokens }) on both transports. Suggestions: our error formatter.
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  }).protect();
  return [...(limits.introspection ? [] : [NoSchemaIntrospectionCustomRule]), ...validationRules];
}
