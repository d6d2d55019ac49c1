// GraphQL queries and mutations over HTTP (same origin), with the caller's key when there is one.
// Errors come back as one GraphQLRequestError carrying what the form and the key prompt need.

export interface FieldError {
  field: string;
  message: string;
}

interface GraphQLErrorBody {
  message: string;
  extensions?: { code?: string; fields?: FieldError[] };
}

export class GraphQLRequestError extends Error {
  constructor(message: string, readonly code: string, readonly fields: FieldError[] = []) {
    super(message);
  }

  get unauthenticated(): boolean {
    return this.code === 'UNAUTHENTICATED';
  }
}

export async function graphqlRequest<Data>(
  query: string,
  variables: Record<string, unknown>,
  apiKey: string | null,
): Promise<Data> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  let response: Response;
  try {
    response = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  } catch {
    throw new GraphQLRequestError('The server cannot be reached.', 'NETWORK');
  }
  const body = await response.json().catch(() => null) as { data?: Data | null; errors?: GraphQLErrorBody[] } | null;
  const first = body?.errors?.[0];
  if (first) {
    throw new GraphQLRequestError(first.message, first.extensions?.code ?? 'UNKNOWN', first.extensions?.fields ?? []);
  }
  if (!response.ok || !body?.data) {
    throw new GraphQLRequestError(`The server answered ${response.status}.`, response.status === 401 ? 'UNAUTHENTICATED' : 'HTTP_ERROR');
  }
  return body.data;
}
