// How the playground talks to longrun: queries and mutations by POST to /graphql, subscriptions
// over graphql-ws at the same path. The headers editor's headers go on every HTTP request and
// into the connection_init payload, where the server reads `authorization` (webSocket.ts);
// @graphiql/toolkit's createGraphiQLFetcher takes fixed connection params and opens a fresh
// client for every subscription, so this keeps one client per set of headers instead.
import type { Fetcher, FetcherOpts, FetcherParams } from '@graphiql/toolkit';
import { getOperationAST, type DocumentNode } from 'graphql';
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';

export interface PlaygroundEndpoints {
  /** GraphQL over HTTP, e.g. https://host/graphql. */
  httpUrl: string;
  /** graphql-ws, e.g. wss://host/graphql. */
  webSocketUrl: string;
}

export interface PlaygroundFetcher {
  fetcher: Fetcher;
  /** Closes the WebSocket, if one is open. */
  dispose(): void;
}

type Headers = Record<string, string>;
type Result = FormattedExecutionResult<Record<string, unknown>, unknown>;

/** graphql-ws's Forbidden: the server refused the connection_init (no or wrong credentials) or the token expired. */
const forbiddenCloseCode = 4403;

/** The headers editor's object, keeping only string values (what HTTP can send). */
function headersOf(options: FetcherOpts | undefined): Headers {
  const headers: Headers = {};
  for (const [name, value] of Object.entries(options?.headers ?? {})) {
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}

function isSubscription(document: DocumentNode | undefined, operationName: string | null | undefined): boolean {
  if (!document) return false;
  return getOperationAST(document, operationName ?? undefined)?.operation === 'subscription';
}

function isCloseEvent(value: unknown): value is CloseEvent {
  return typeof CloseEvent !== 'undefined' && value instanceof CloseEvent;
}

/**
 * What the result pane shows when the socket ends a subscription: the server's GraphQL errors
 * as they are; a refused connection as UNAUTHENTICATED, like the 401 of GraphQL over HTTP.
 */
function resultOfFailure(failure: unknown): Result {
  if (Array.isArray(failure)) return { errors: failure as Result['errors'] };
  if (isCloseEvent(failure)) {
    const reason = failure.reason || 'no reason given';
    if (failure.code === forbiddenCloseCode) {
      return {
        errors: [{
          message: `The server refused the WebSocket connection (${failure.code}: ${reason}). Set "Authorization": "Bearer <key>" in the headers editor.`,
          extensions: { code: 'UNAUTHENTICATED' },
        }],
      };
    }
    return { errors: [{ message: `The WebSocket closed (${failure.code}: ${reason}).` }] };
  }
  return { errors: [{ message: failure instanceof Error ? failure.message : String(failure) }] };
}

async function postQuery(url: string, params: FetcherParams, headers: Headers): Promise<Result> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { accept: 'application/graphql-response+json, application/json;q=0.9', ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
  const type = response.headers.get('content-type') ?? '';
  // GraphQL answers and the server's problem+json refusals (413, 421, 503...) are both JSON.
  if (type.includes('json')) return (await response.json()) as Result;
  return { errors: [{ message: `The server answered ${response.status} ${response.statusText} with ${type || 'no content type'}.` }] };
}

export function createPlaygroundFetcher(endpoints: PlaygroundEndpoints): PlaygroundFetcher {
  let socket: { client: Client; key: string } | null = null;

  /** The graphql-ws client for these headers; another set of headers replaces it (a new connection_init). */
  function clientFor(headers: Headers): Client {
    const key = JSON.stringify(headers);
    if (socket?.key === key) return socket.client;
    void socket?.client.dispose();
    const client = createClient({
      url: endpoints.webSocketUrl,
      connectionParams: headers,
      lazy: true,
      // graphql-ws retries 4403 Forbidden (with backoff, for half a minute) in case access is
      // granted later; here the same headers will be refused again, and the user should know
      // now. Other closes (a restart, 1013 Try Again Later) are retried.
      shouldRetry: (event) => isCloseEvent(event) && event.code !== forbiddenCloseCode,
    });
    socket = { client, key };
    return client;
  }

  async function* subscribe(params: FetcherParams, headers: Headers): AsyncGenerator<Result> {
    const iterator = clientFor(headers).iterate({
      query: params.query,
      operationName: params.operationName ?? null,
      variables: (params.variables ?? null) as Record<string, unknown> | null,
    });
    try {
      yield* iterator;
    } catch (failure) {
      yield resultOfFailure(failure);
    }
  }

  function execute(params: FetcherParams, options?: FetcherOpts): Promise<Result> | AsyncGenerator<Result> {
    const headers = headersOf(options);
    if (isSubscription(options?.documentAST, params.operationName)) return subscribe(params, headers);
    return postQuery(endpoints.httpUrl, params, headers);
  }

  return {
    // The toolkit types results with graphql-js GraphQLError instances; what arrives is their
    // JSON form (message, locations, path, extensions), which is all GraphiQL reads and prints.
    fetcher: execute as Fetcher,
    dispose() {
      void socket?.client.dispose();
      socket = null;
    },
  };
}
