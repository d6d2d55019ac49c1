// The OpenAPI 3.1 description of the REST interface, built from the modules next to it. It is
// code, not a JSON file, so limits, kinds and statuses come from the constants the server
// enforces (docs/decisions/0018-openapi.md); the test suite checks every response it sees against it.
import { headerRef, headers, parameters, responses } from './components.js';
import { paths } from './paths.js';
import { schemas } from './schemas.js';
import type { OpenApiDocument, PathItem, Reference, Response } from './types.js';

/** X-Request-Id may come with any response; listed on each so a reader sees it everywhere. */
function withRequestId<T extends Response | Reference>(response: T): T {
  if ('$ref' in response) return response;
  return { ...response, headers: { ...response.headers, 'X-Request-Id': headerRef('X-Request-Id') } };
}

function withRequestIds(items: Record<string, PathItem>): Record<string, PathItem> {
  return Object.fromEntries(Object.entries(items).map(([path, item]) => [path, Object.fromEntries(Object.entries(item).map(([method, operation]) => [
    method,
    typeof operation === 'object' && operation !== null && 'responses' in operation
      ? { ...operation, responses: Object.fromEntries(Object.entries(operation.responses).map(([status, response]) => [status, withRequestId(response)])) }
      : operation,
  ]))]));
}

export const openApiDocument: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'longrun REST API',
    version: '0.1.0',
    summary: 'Long-running operations: create a slow resource (a rendered video), get a task back at once, follow it until it is done.',
    description: [
      'POST /videos/tasks answers 202 with a task and Content-Location; poll it (200 while pending, with Retry-After; 303 See Other to the video once done), long-poll it with `?wait=`, cancel it, or list tasks.',
      '',
      'Every error is RFC 9457 `application/problem+json` with a `code` (the same as GraphQL\'s extensions.code). Credentials, when the server is configured with API_KEYS or JWT_*, are `Authorization: Bearer <API key or JWT>`; without them every request is the one anonymous caller.',
      '',
      'The same tasks are reachable over GraphQL (/graphql, with subscriptions) and gRPC.',
    ].join('\n'),
  },
  // Relative: the document is served by the server it describes, whatever name it is reached by.
  servers: [{ url: '/', description: 'The server that serves this document.' }],
  tags: [
    { name: 'Tasks', description: 'Long-running operations: create, poll, wait, cancel, list, forget.' },
    { name: 'Videos', description: 'What a task created: read, list, the media files, delete (a task too).' },
    { name: 'Probes', description: 'Liveness and readiness for orchestrators.' },
    { name: 'Meta', description: 'This description.' },
  ],
  // Optional (the empty requirement): without API_KEYS or JWT_* every request is the anonymous caller.
  security: [{ bearerAuth: [] }, {}],
  paths: withRequestIds(paths),
  components: {
    schemas,
    responses: Object.fromEntries(Object.entries(responses).map(([name, response]) => [name, withRequestId(response)])),
    parameters,
    headers,
    securitySchemes: {
      bearerAuth: {
        type: 'http',
        scheme: 'bearer',
        description: 'An API key (API_KEYS, API_KEYS_FILE) or a JWT (JWT_JWKS_URL, JWT_PUBLIC_KEY, JWT_SECRET) whose `sub` is the caller. Required only when the server is configured with one of them.',
      },
      signedLink: {
        type: 'apiKey',
        in: 'query',
        name: 'signature',
        description: 'A signed media link (`expires` and `signature`, as in a video\'s contentUrl and posterUrl): opens that one file without credentials until it expires.',
      },
    },
  },
};
