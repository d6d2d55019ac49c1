// graphql-ws parses, validates and executes every subscription on its own. With thousands of
// subscribers to one task that is thousands of identical ASTs held in memory and thousands of
// identical executions per event (decision 0007). These replacements share the work:
//   parse      one document per distinct query text (without token locations), LRU-bounded
//   validate   once per shared document
//   subscribe  graphql's subscribe, except that one published event executed for one
//              (document, operation, variables) is executed once, its result shared by every
//              subscriber (the event bus hands all listeners the same snapshot object)
// Sharing results is sound while no Task field depends on who subscribed; per-caller fields
// (authorization, later) must put the caller into the key.
import {
  createSourceEventStream, execute, parse, validate,
  type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLError, type GraphQLSchema, type Source,
} from 'graphql';

const maxDocuments = 1000;
const documents = new Map<string, DocumentNode>();
const documentIds = new WeakMap<DocumentNode, number>();
const validations = new WeakMap<DocumentNode, readonly GraphQLError[]>();
/** Per event object, the result per execution key; gone with the event. */
const executions = new WeakMap<object, Map<string, Promise<ExecutionResult> | ExecutionResult>>();
let nextDocumentId = 1;

/** Larger documents are parsed per subscription, so the cache cannot be inflated by payload. */
const maxCachedSourceLength = 16 * 1024;

export function sharedParse(input: string | Source): DocumentNode {
  const source = typeof input === 'string' ? input : input.body;
  if (source.length > maxCachedSourceLength) return parse(source, { noLocation: true });
  let document = documents.get(source);
  if (document) {
    // Refresh its place in the LRU order.
    documents.delete(source);
    documents.set(source, document);
    return document;
  }
  document = parse(source, { noLocation: true });
  if (documents.size >= maxDocuments) documents.delete(documents.keys().next().value as string);
  documents.set(source, document);
  documentIds.set(document, nextDocumentId++);
  return document;
}

export function sharedValidate(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[] {
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

export async function sharedSubscribe(args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!isAsyncIterable(stream)) return stream as ExecutionResult;
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<unknown>;
  const documentId = documentIds.get(args.document);
  const key = `${documentId}:${args.operationName ?? ''}:${JSON.stringify(args.variableValues ?? {})}`;
  const run = (event: unknown): Promise<ExecutionResult> | ExecutionResult => {
    if (typeof event !== 'object' || event === null || documentId === undefined) return execute({ ...args, rootValue: event });
    let perEvent = executions.get(event);
    if (!perEvent) executions.set(event, (perEvent = new Map()));
    let result = perEvent.get(key);
    if (!result) {
      result = execute({ ...args, rootValue: event });
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
