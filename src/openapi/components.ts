// Reusable parameters, headers and responses of the REST interface. A problem response names
// the `code`s it can carry; statuses and codes are those src/rest/errorHandler.ts and the
// request-wide guards (src/http/guards.ts) produce.
import { pageSizes } from '../tasks/paging.js';
import { maxWaitSeconds } from '../tasks/taskService.js';
import { taskKinds } from '../tasks/taskTypes.js';
import { problemWith, statusFilterWords } from './schemas.js';
import type { Header, Parameter, Reference, Response } from './types.js';

export const headerRef = (name: string): Reference => ({ $ref: `#/components/headers/${name}` });
export const responseRef = (name: string): Reference => ({ $ref: `#/components/responses/${name}` });
export const parameterRef = (name: string): Reference => ({ $ref: `#/components/parameters/${name}` });

export const problemMediaType = 'application/problem+json';

export const headers: Record<string, Header> = {
  'Retry-After': { description: 'Seconds to wait before asking again.', required: true, schema: { type: 'integer', minimum: 0 } },
  'Content-Location': { description: 'Where the task can be polled: /videos/tasks/{id}.', required: true, schema: { type: 'string', format: 'uri-reference' } },
  Location: { description: 'The resource the task created: /videos/{id}.', required: true, schema: { type: 'string', format: 'uri-reference' } },
  Link: { description: 'The next page, `<...&cursor=...>; rel="next"` (RFC 8288); absent on the last page.', schema: { type: 'string' } },
  'WWW-Authenticate': {
    description: '`Bearer realm="longrun"`, plus `error="invalid_token"` when the credentials were wrong (RFC 6750).',
    required: true,
    schema: { type: 'string' },
  },
  // Media files carry no ETag (the app turns ETags off): Last-Modified is their validator.
  'Last-Modified': { description: 'When the media file was written: the validator for If-Modified-Since, If-Unmodified-Since and If-Range.', schema: { type: 'string' } },
  'Cache-Control': { description: 'Media files never change: `public, max-age=3600, immutable`.', schema: { type: 'string' } },
  'Accept-Ranges': { description: '`bytes`: Range requests are answered 206.', schema: { type: 'string' } },
  'Content-Range': { description: '`bytes first-last/size` (206) or `bytes */size` (416).', required: true, schema: { type: 'string' } },
  'X-Request-Id': { required: true, description: 'The id the server logged this request under (the client\'s own X-Request-Id when it sent a valid one). On every response.', schema: { type: 'string' } },
};

export const parameters: Record<string, Parameter> = {
  taskId: { name: 'id', in: 'path', required: true, description: 'The task\'s id. An id that is malformed, unknown or another caller\'s is 404 alike.', schema: { type: 'string' } },
  videoId: { name: 'id', in: 'path', required: true, description: 'The video\'s id. An id that is malformed, unknown or another caller\'s is 404 alike.', schema: { type: 'string' } },
  limit: {
    name: 'limit', in: 'query', description: `Items per page, 1–${pageSizes.max}.`,
    schema: { type: 'integer', minimum: 1, maximum: pageSizes.max, default: pageSizes.default },
  },
  cursor: { name: 'cursor', in: 'query', description: 'The `nextCursor` of the previous page (or take the `Link` header). A cursor the server did not hand out is 400.', schema: { type: 'string' } },
  status: {
    name: 'status', in: 'query', style: 'form', explode: false,
    description: 'Comma-separated, any case: `pending` (queued or running), `running`, `queued`, `done` (or `succeeded`), `failed`, `cancelled`. A repeated status counts once.',
    schema: { type: 'array', items: { type: 'string', enum: statusFilterWords } },
  },
  kind: { name: 'kind', in: 'query', description: 'Only tasks of this kind (any case).', schema: { type: 'string', enum: taskKinds } },
  wait: {
    name: 'wait', in: 'query',
    description: `Long poll: answer as soon as the task is done, or after this many seconds (0–${maxWaitSeconds}) with its state then. 0 or absent: at once.`,
    schema: { type: 'integer', minimum: 0, maximum: maxWaitSeconds },
  },
  'Idempotency-Key': {
    name: 'Idempotency-Key', in: 'header',
    description: 'Makes the request safe to repeat: the same key and request return the same task (202 again) for 24 hours; the same key with another request is 422. Shared with GraphQL\'s idempotencyKey and gRPC\'s request_id, per caller.',
    schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
  },
  Range: { name: 'Range', in: 'header', description: 'One byte range (`bytes=0-1023`): answered 206 with Content-Range.', schema: { type: 'string' } },
  'If-Modified-Since': { name: 'If-Modified-Since', in: 'header', description: 'The Last-Modified the client holds: 304 when the file is not newer.', schema: { type: 'string' } },
  'If-Unmodified-Since': { name: 'If-Unmodified-Since', in: 'header', description: 'Serve only if the file is not newer than this date, else 412.', schema: { type: 'string' } },
  'If-Range': { name: 'If-Range', in: 'header', description: 'Honour Range only if the file\'s Last-Modified is this date; else the whole file (200).', schema: { type: 'string' } },
  expires: {
    name: 'expires', in: 'query',
    description: 'A signed media link\'s expiry (Unix seconds). Signed links come in `contentUrl`/`posterUrl` when authentication is on; a tampered or expired link is 404.',
    schema: { type: 'string', pattern: '^\\d{1,12}$' },
  },
  signature: { name: 'signature', in: 'query', description: 'A signed media link\'s HMAC-SHA256 (base64url), for this video, file and expiry.', schema: { type: 'string' } },
};

function problemResponse(description: string, codes: readonly string[], headerNames: string[] = []): Response {
  return {
    description,
    ...(headerNames.length > 0 ? { headers: Object.fromEntries(headerNames.map((name) => [name, headerRef(name)])) } : {}),
    content: { [problemMediaType]: { schema: problemWith(codes) } },
  };
}

export const responses: Record<string, Response> = {
  BadRequest: problemResponse(
    'Bad input: a field or parameter (`errors` names each), JSON that does not parse, a body that does not decode or ends early, a path that is not valid percent-encoding, a request that is not valid HTTP/1.1.',
    ['BAD_USER_INPUT', 'MALFORMED_JSON', 'MALFORMED_CONTENT_ENCODING', 'INCOMPLETE_BODY', 'MALFORMED_URL', 'MALFORMED_REQUEST', 'BAD_REQUEST'],
  ),
  // Node's HTTP parser refuses these before any route (src/http/clientError.ts), on any path.
  RequestTimeout: problemResponse('The request did not arrive in time; the connection closes.', ['REQUEST_TIMEOUT']),
  HeadersTooLarge: problemResponse('The request headers are larger than 16 KB; the connection closes.', ['HEADERS_TOO_LARGE']),
  Unauthenticated: problemResponse('Credentials are required (API_KEYS, JWT_*) and were missing or wrong.', ['UNAUTHENTICATED'], ['WWW-Authenticate']),
  ForbiddenOrigin: problemResponse('A browser page of an origin that is not allowed (CORS_ORIGINS) may not change anything.', ['FORBIDDEN_ORIGIN']),
  NotFound: problemResponse('No such task or video for this caller (another caller\'s is answered the same).', ['NOT_FOUND']),
  Conflict: problemResponse('The task or video is not in a state that allows this; `taskId` names the task in the way.', ['CONFLICT']),
  PayloadTooLarge: problemResponse('The body is larger than MAX_REQUEST_BYTES after decompression.', ['PAYLOAD_TOO_LARGE']),
  UnsupportedMediaType: problemResponse(
    'The body is not JSON (or, where no body is expected, is a form or text), or its Content-Encoding is not gzip, deflate or br.',
    ['UNSUPPORTED_MEDIA_TYPE', 'UNSUPPORTED_CONTENT_ENCODING'],
  ),
  MisdirectedRequest: problemResponse('The Host header names a host this server does not answer to (ALLOWED_HOSTS).', ['MISDIRECTED_REQUEST']),
  IdempotencyKeyReused: problemResponse('The Idempotency-Key was used before with a different request.', ['CONFLICT']),
  TooManyRequests: problemResponse(
    'A quota is reached: the creation rate (RATE_LIMITED, with Retry-After and retryAfterSeconds) or the caller\'s tasks under way or stored media (QUOTA_EXCEEDED, with quota, limit, used). Nothing was stored.',
    ['RATE_LIMITED', 'QUOTA_EXCEEDED'],
  ),
  InternalError: problemResponse('Something unexpected; the detail is in the server log, never in the answer.', ['INTERNAL_SERVER_ERROR']),
  Unavailable: problemResponse(
    'Starting, shutting down, or the database (or the JWKS) did not answer in time. Try again after Retry-After.',
    ['UNAVAILABLE'],
    ['Retry-After'],
  ),
};
