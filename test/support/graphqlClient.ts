// Real clients for tests: GraphQL over HTTP with fetch, subscriptions with graphql-ws on ws.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export async function gql<T = Record<string, unknown>>(baseUrl: string, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> {
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLResponse<T>;
}

export function wsClient(baseUrl: string): Client {
  return createClient({ url: baseUrl.replace(/^http/, 'ws') + '/graphql', webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
}

/** Collects every payload of one subscription until it completes or errors. */
export function collect<T>(client: Client, query: string, variables: Record<string, unknown>): Promise<{ payloads: GraphQLResponse<T>[]; error?: unknown }> {
  return new Promise((resolve) => {
    const payloads: GraphQLResponse<T>[] = [];
    client.subscribe<T>({ query, variables }, {
      next: (value) => payloads.push(value as GraphQLResponse<T>),
      error: (error) => resolve({ payloads, error }),
      complete: () => resolve({ payloads }),
    });
  });
}
