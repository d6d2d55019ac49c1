// PROTOTYPE, not applied to src/: the graphql-ws change proposed in
// docs/decisions/0007-bench-subscriptions.md, injected at run time so its effect can be measured.
// Enable with BENCH_PROTOTYPE=shared-subscriptions (app children only: figures 5, 6 and 7),
// e.g. `BENCH_PROTOTYPE=shared-subscriptions npm run bench -- subscriber-memory fanout`.
// A module hook (hooks.mjs) hands src/graphql/graphqlServer.ts this module instead of
// graphql-ws/use/ws; it calls the real useServer with three more options:
//   parse     one parsed document per distinct query text (no token locations), shared by
//             every subscription that sends the same text, instead of one AST per subscription
//   validate  validation once per shared document
//   subscribe graphql's subscribe, except that the execution of one published event for one
//             (document, operation, variables) is done once and its result shared by every
//             subscriber (the event bus hands all listeners the same TaskView object)
// Sharing results is sound here because no Task field depends on the subscriber's context.
import {
  createSourceEventStream, execute, parse, validate,
  type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLError, type GraphQLSchema, type Source,
} from 'graphql';
import { useServer as realUseServer } from 'graphql-ws/use/ws';

type UseServer = typeof realUseServer;

const MAX_DOCUMENTS = 1000;
const documents = new Map<string, DocumentNode>();
const validations = new WeakMap<DocumentNode, readonly GraphQLError[]>();
const executions = new WeakMap<object, Map<string, Promise<ExecutionResult> | ExecutionResult>>();
const documentIds = new WeakMap<DocumentNode, number>();
let nextDocumentId = 1;

function sharedParse(input: string | Source): DocumentNode {
  const source = typeof input === 'string' ? input : input.body;
  let document = documents.get(source);
  if (!document) {
    document = parse(source, { noLocation: true });
    if (documents.size >= MAX_DOCUMENTS) documents.delete(documents.keys().next().value as string);
    documents.set(source, document);
    documentIds.set(document, nextDocumentId++);
  }
  return document;
}

function sharedValidate(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[] {
  let errors = validations.get(document);
  if (!errors) {
    errors = validate(schema, document);
    validations.set(document, errors);
  }
  return errors;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

async function sharedSubscribe(args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!isAsyncIterable(stream)) return stream as ExecutionResult;
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<unknown>;
  const key = `${documentIds.get(args.document) ?? 'unshared'}:${args.operationName ?? ''}:${JSON.stringify(args.variableValues ?? {})}`;
  const run = (event: unknown): Promise<ExecutionResult> | ExecutionResult => {
    if (typeof event !== 'object' || event === null || !documentIds.has(args.document)) return execute({ ...args, rootValue: event });
    let perEvent = executions.get(event);
    if (!perEvent) executions.set(event, (perEvent = new Map()));
    let result = perEvent.get(key);
    if (!result) {
      result = execute({ ...args, rootValue: event }) as Promise<ExecutionResult> | ExecutionResult;
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
      if (iterator.throw) await iterator.throw(error);
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

export const useServer: UseServer = (options, ws, keepAlive) => realUseServer({
  parse: sharedParse,
  validate: sharedValidate,
  subscribe: sharedSubscribe,
  ...options,
}, ws, keepAlive);
