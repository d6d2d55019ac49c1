// The JSON shapes REST sends and takes (src/rest/representations.ts, problem.ts), as JSON
// Schema. Limits and vocabularies come from the code that enforces them, so they cannot drift.
import { pageSizes } from '../tasks/paging.js';
import { taskKinds } from '../tasks/taskTypes.js';
import { inputLimits } from '../videos/createVideoInput.js';
import type { JsonSchema } from './types.js';

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const timestamp: JsonSchema = { type: 'string', format: 'date-time' };
const timestampOrNull: JsonSchema = { type: ['string', 'null'], format: 'date-time' };

/** The REST status vocabulary of a task (representations.ts restStatus). */
export const restTaskStatuses = ['pending', 'done', 'failed', 'cancelled'] as const;
/** The words GET /videos/tasks?status= takes (queryParams.ts). */
export const statusFilterWords = ['pending', 'running', 'queued', 'done', 'succeeded', 'failed', 'cancelled'] as const;

const link: JsonSchema = {
  type: 'object',
  required: ['rel', 'href'],
  additionalProperties: false,
  properties: {
    rel: { type: 'string', examples: ['self'] },
    href: { type: 'string', format: 'uri-reference' },
    method: { type: 'string', description: 'The method to use when it is not GET (cancel: POST).' },
    type: { type: 'string', description: 'The media type the link leads to.' },
  },
};

const task: JsonSchema = {
  type: 'object',
  description: 'A long-running operation. `status` is REST\'s vocabulary; `stage` and `progress` say more while it is pending.',
  additionalProperties: false,
  required: ['id', 'kind', 'status', 'done', 'progress', 'stage', 'attempts', 'version', 'createdAt', 'updatedAt', 'startedAt',
    'finishedAt', 'expiresAt', 'pollAfterSeconds', 'cancelRequested', 'links'],
  properties: {
    id: { type: 'string', description: 'Opaque id.' },
    kind: { type: 'string', enum: taskKinds },
    status: { type: 'string', enum: restTaskStatuses, description: '`pending` while queued or running.' },
    done: { type: 'boolean', description: 'True once the status is terminal; a done task never changes again.' },
    progress: { type: 'number', minimum: 0, maximum: 1, description: 'Never decreases within an attempt.' },
    stage: { type: 'string', examples: ['queued', 'starting', 'rendering', 'publishing', 'retrying', 'removing-files', 'removing-record', 'done', 'failed', 'cancelled'] },
    attempts: { type: 'integer', minimum: 0 },
    version: { type: 'integer', minimum: 0, description: 'Grows with every change.' },
    createdAt: timestamp,
    updatedAt: timestamp,
    startedAt: timestampOrNull,
    finishedAt: timestampOrNull,
    expiresAt: { ...timestampOrNull, description: 'When the purge removes the finished task; null while under way.' },
    pollAfterSeconds: { type: ['integer', 'null'], minimum: 1, description: 'How long a poller should wait (also Retry-After); null once done.' },
    cancelRequested: { type: 'boolean' },
    error: {
      type: 'object',
      description: 'Present when the task failed.',
      additionalProperties: false,
      required: ['code', 'message', 'retryable'],
      properties: {
        code: { type: 'string', examples: ['RENDER_FAILED', 'RENDER_INTERRUPTED', 'STORAGE_FULL', 'RENDER_INCOMPLETE', 'INTERRUPTED', 'INTERNAL'] },
        message: { type: 'string' },
        retryable: { type: 'boolean' },
      },
    },
    resources: {
      type: 'array',
      description: 'What a succeeded task created (the video of a CREATE_VIDEO).',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'links'],
        properties: { name: { type: 'string' }, links: { type: 'array', items: link } },
      },
    },
    links: { type: 'array', items: link, description: '`self`, and `cancel` (POST) while it is not done.' },
  },
};

const video: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'title', 'plot', 'durationSeconds', 'width', 'height', 'sizeBytes', 'contentUrl', 'posterUrl', 'status', 'createdAt', 'links'],
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    plot: { type: 'string' },
    durationSeconds: { type: 'integer', minimum: inputLimits.durationMinSeconds, maximum: inputLimits.durationMaxSeconds },
    width: { type: 'integer', minimum: 1 },
    height: { type: 'integer', minimum: 1 },
    sizeBytes: { type: 'integer', minimum: 0, description: 'Size of the MP4 file.' },
    contentUrl: { type: 'string', format: 'uri-reference', description: 'The MP4; signed (`expires`, `signature`) when authentication is on.' },
    posterUrl: { type: 'string', format: 'uri-reference', description: 'The JPEG poster; signed like contentUrl.' },
    status: { type: 'string', enum: ['available', 'deleting'] },
    createdAt: timestamp,
    links: { type: 'array', items: link, description: '`self`, `content`, `poster`, and `deletion-task` while it is being deleted.' },
  },
};

const page = (item: string): JsonSchema => ({
  type: 'object',
  additionalProperties: false,
  required: ['items', 'nextCursor'],
  properties: {
    items: { type: 'array', maxItems: pageSizes.max, items: ref(item) },
    nextCursor: { type: ['string', 'null'], description: 'Pass as `cursor` for the next page; null on the last page.' },
  },
});

const createVideoRequest: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['title', 'plot'],
  properties: {
    title: { type: 'string', minLength: 1, maxLength: inputLimits.titleMaxChars, description: 'Not blank; counted in characters (code points).' },
    plot: { type: 'string', maxLength: inputLimits.plotMaxChars },
    durationSeconds: {
      type: 'integer', minimum: inputLimits.durationMinSeconds, maximum: inputLimits.durationMaxSeconds, default: inputLimits.durationDefaultSeconds,
    },
  },
};

/** RFC 9457 problem details with this server's `code`; other members are extensions. */
const problem: JsonSchema = {
  type: 'object',
  description: 'RFC 9457 problem details. `code` is the same as GraphQL\'s extensions.code; other extension members depend on the code.',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', const: 'about:blank' },
    title: { type: 'string', description: 'The HTTP status phrase.' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    detail: { type: 'string' },
    code: {
      type: 'string',
      examples: ['BAD_USER_INPUT', 'NOT_FOUND', 'CONFLICT', 'UNAVAILABLE', 'UNAUTHENTICATED', 'RATE_LIMITED', 'QUOTA_EXCEEDED', 'MALFORMED_JSON',
        'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'METHOD_NOT_ALLOWED', 'MISDIRECTED_REQUEST', 'FORBIDDEN_ORIGIN', 'INTERNAL_SERVER_ERROR'],
    },
    // As the client sent it: a path that is not valid percent-encoding (400 MALFORMED_URL) comes back as it was.
    instance: { type: 'string', description: 'The request\'s path and query, as sent.' },
    errors: {
      type: 'array',
      description: 'With BAD_USER_INPUT: every field at fault.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['field', 'message'],
        properties: {
          field: { type: 'string' },
          message: { type: 'string' },
          pointer: { type: 'string', description: 'JSON Pointer (RFC 6901) into the request body, for body fields.' },
          in: { type: 'string', enum: ['query', 'header'], description: 'For a query parameter or a header (instead of pointer).' },
        },
      },
    },
    taskId: { type: 'string', description: 'With CONFLICT: the task in the way.' },
    taskStatus: { type: 'string', description: 'With CONFLICT: that task\'s status (PENDING, RUNNING, ...).' },
    idempotencyKey: { type: 'string', description: 'With 422: the key reused for another request.' },
    retryAfterSeconds: { type: 'integer', minimum: 1, description: 'With RATE_LIMITED: the same as Retry-After.' },
    quota: { type: 'string', enum: ['creationsPerMinute', 'activeTasks', 'mediaBytes'] },
    limit: { type: 'integer', minimum: 0 },
    used: { type: 'integer', minimum: 0 },
  },
};

const probe: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['status'],
  properties: {
    status: { type: 'string', enum: ['ok', 'ready', 'starting', 'unavailable'] },
    reason: { type: 'string' },
  },
};

export const schemas: Record<string, JsonSchema> = {
  Task: task,
  Video: video,
  TaskPage: page('Task'),
  VideoPage: page('Video'),
  CreateVideoRequest: createVideoRequest,
  Problem: problem,
  Probe: probe,
};

/** A problem whose `code` is one of `codes` (a response that can only carry those). */
export function problemWith(codes: readonly string[]): JsonSchema {
  return { allOf: [ref('Problem'), { properties: { code: codes.length === 1 ? { const: codes[0] ?? '' } : { enum: codes } } }] };
}
