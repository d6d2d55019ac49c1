// graphql-ws parses, validates and executes every subscription on its own. With thousands of
// subscribers to one task that is thousands of identical ASTs held in memory and thousands of
// identical executions per event (decision 0007). These replacements share the work:
//   parse      one document per distinct query text (without token locations), LRU-bounded
//   validate   once per shared document
//   subscribe  graphql's subscribe, except that one published event executed for one
//              (document, operation, variables) is executed once, its result shared by every
//              subscriber (the event bus hands all listeners the same snapshot object)
// Results are shared only among subscribers of one caller (`partition`): fields may depend on
// who subscribed (a caller sees only its own tasks). For the same reason a shared
// execution runs with `eventContext` of the subscriber's context (e.g. without its abort
// signal): one subscriber leaving must not stop the execution the others receive.
//
// Parse and validate apply the limits (limits.ts): parse stops after maxTokens tokens, validate
// runs graphql's rules plus `rules`. Caches are per endpoint, since the rules are.
import {
  createSourceEventStream, execute, parse, specifiedRules, validate,
  type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLError, type GraphQLSchema, type Source, type ValidationRule,
} from 'graphql';

const maxDocuments = 1000;
/** Per event object, the result per execution key; gone with the event. */
const executions = new WeakMap<object, Map<string, Promise<ExecutionResult> | ExecutionResult>>();
/** Document ids are global so that execution keys of two endpoints never collide. */
let nextDocumentId = 1;

/** Larger documents are parsed per subscription, so the cache cannot be inflated by payload. */
const maxCachedSourceLength = 16 * 1024;

export interface SharedExecutionOptions {
  /** graphql's parse option: a document with more lexical tokens is a syntax error. */
  maxTokens: number;
  /** Run after graphql's specified rules. */
  rules: readonly ValidationRule[];
  /** The context a shared event execution runs with, from the first subscriber's. */
  eventContext(contextValue: unknown): unknown;
  /** Which subscribers may share a result: those whose contexts give the same partition (the caller). */
  partition(contextValue: unknown): string;
}

export interface SharedExecution {
  parse(input: string | Source): DocumentNode;
  validate(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[];
  subscribe(args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult>;
}

export function createSharedExecution(options: SharedExecutionOptions): SharedExecution {
  const documents = new Map<string, DocumentNode>();
  const documentIds = new WeakMap<DocumentNode, number>();
  const validations = new WeakMap<DocumentNode, readonly GraphQLError[]>();
  const parseOptions = { noLocation: true, maxTokens: options.maxTokens };
  const rules = [...specifiedRules, ...options.rules];

  function sharedParse(input: string | Source): DocumentNode {
    const source = typeof input === 'string' ? input : input.body;
    if (source.length > maxCachedSourceLength) return parse(source, parseOptions);
    let document = documents.get(source);
    if (document) {
      // Refresh its place in the LRU order.
      documents.delete(source);
      documents.set(source, document);
      return document;
    }
    document = parse(source, parseOptions);
    if (documents.size >= maxDocuments) documents.delete(documents.keys().next().value as string);
    documents.set(source, document);
    documentIds.set(document, nextDocumentId++);
    return document;
  }

  function sharedValidate(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[] {
    let errors = validations.get(document);
    if (!errors) {
      errors = validate(schema, document, rules);
      validations.set(document, errors);
    }
    return errors;
  }

  return {
    parse: sharedParse,
    validate: sharedValidate,
    subscribe: (args) => sharedSubscribe(args, documentIds.get(args.document), options),
  };
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

async function sharedSubscribe(
  args: ExecutionArgs,
  documentId: number | undefined,
  { eventContext, partition }: Pick<SharedExecutionOptions, 'eventContext' | 'partition'>,
): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!isAsyncIterable(stream)) return stream as ExecutionResult;
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<unknown>;
  const key = JSON.stringify([partition(args.contextValue), documentId, args.operationName ?? '', args.variableValues ?? {}]);
  const run = (event: unknown): Promise<ExecutionResult> | ExecutionResult => {
    if (typeof event !== 'object' || event === null || documentId === undefined) return execute({ ...args, rootValue: event });
    let perEvent = executions.get(event);
    if (!perEvent) executions.set(event, (perEvent = new Map()));
    let result = perEvent.get(key);
    if (!result) {
      result = execute({ ...args, rootValue: event, contextValue: eventContext(args.contextValue) });
      perEvent.set(key, result);
    }
    return result;
  };
  const mapped: AsyncGenerator<ExecutionResult> = {
    async next() {
      const step = await iterator.next();
      return step.done ? { done: true, value: undefined } : { done: false, value: await run(step.value) };
    },
    async return() {
      await iterator.return?.();
      return { done: true, value: undefined };
    },
    async throw(error: unknown) {
      await iterator.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
    async [Symbol.asyncDispose]() {
      await iterator.return?.();
    },
  };
  return mapped;
}
