// Every REST path and method (src/rest/taskRoutes.ts, videoRoutes.ts, src/http/probes.ts, and
// this module's own /openapi.json), with every status the route and the guards in front of it
// can answer. HEAD is answered like GET without a body (Express), so it is not listed apart.
import { parameterRef, problemMediaType, responseRef, headerRef } from './components.js';
import type { Operation, PathItem, Reference, Response } from './types.js';

const json = (schemaName: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${schemaName}` } } });

/** What Node's HTTP parser answers on any path, before routing (src/http/clientError.ts). */
const parserRefusals: Record<string, Reference> = {
  400: responseRef('BadRequest'),
  408: responseRef('RequestTimeout'),
  431: responseRef('HeadersTooLarge'),
};

/** What every API route can answer whatever it does: the Host check, the caller, readiness, the unexpected. */
const everyApiResponse: Record<string, Reference> = {
  ...parserRefusals,
  401: responseRef('Unauthenticated'),
  421: responseRef('MisdirectedRequest'),
  500: responseRef('InternalError'),
  503: responseRef('Unavailable'),
};

/** A state-changing request: the Origin check, and a body that must be absent or JSON. */
const changeResponses: Record<string, Reference> = {
  403: responseRef('ForbiddenOrigin'),
  413: responseRef('PayloadTooLarge'),
  415: responseRef('UnsupportedMediaType'),
};

/** Retry-After on a poll: present only while the task is pending, so not required. */
const pollHint = { description: 'Seconds to wait before polling again; absent once the task is done.', schema: { type: 'integer' as const, minimum: 0 } };

const taskIdParameter = parameterRef('taskId');
const videoIdParameter = parameterRef('videoId');

const accepted = (description: string): Response => ({
  description,
  headers: { 'Content-Location': headerRef('Content-Location'), 'Retry-After': headerRef('Retry-After') },
  content: json('Task'),
});

function createVideoTask(): Operation {
  return {
    operationId: 'createVideoTask',
    summary: 'Start rendering a video',
    description: 'Answers at once with the new task (202); poll Content-Location, wait on it with `?wait=`, or subscribe over GraphQL.',
    tags: ['Tasks'],
    parameters: [parameterRef('Idempotency-Key')],
    requestBody: { description: 'The video to render.', required: true, content: json('CreateVideoRequest') },
    responses: {
      202: accepted('The task, queued (or the same task again for a replayed Idempotency-Key).'),
      ...everyApiResponse,
      ...changeResponses,
      409: responseRef('Conflict'),
      422: responseRef('IdempotencyKeyReused'),
      429: responseRef('TooManyRequests'),
    },
  };
}

function listTasks(): Operation {
  return {
    operationId: 'listTasks',
    summary: 'List the caller\'s tasks, newest first',
    tags: ['Tasks'],
    parameters: [parameterRef('status'), parameterRef('kind'), parameterRef('limit'), parameterRef('cursor')],
    responses: {
      200: { description: 'A page of tasks.', headers: { Link: headerRef('Link') }, content: json('TaskPage') },
      ...everyApiResponse,
    },
  };
}

/** The task operations, under /videos/tasks and the seed's singular /video/tasks alike. */
function taskOperations(prefix: string): { read: Operation; remove: Operation; cancel: Operation } {
  const alias = prefix === '' ? '' : ' (singular path)';
  return {
    read: {
      operationId: `${prefix}getTask`,
      summary: `Poll a task${alias}`,
      description: 'Pending, failed or cancelled: 200 with the task (Retry-After while pending). Succeeded: 303 See Other to the video, with the task as body.',
      tags: ['Tasks'],
      parameters: [taskIdParameter, parameterRef('wait')],
      responses: {
        200: {
          description: 'The task; while pending, Retry-After says when to poll again.',
          headers: { 'Retry-After': pollHint },
          content: json('Task'),
        },
        303: { description: 'The task succeeded: Location is the created video.', headers: { Location: headerRef('Location') }, content: json('Task') },
        ...everyApiResponse,
        404: responseRef('NotFound'),
      },
    },
    remove: {
      operationId: `${prefix}removeTask`,
      summary: `Forget a finished task's record${alias}`,
      tags: ['Tasks'],
      parameters: [taskIdParameter],
      responses: {
        204: { description: 'Removed.' },
        ...everyApiResponse,
        ...changeResponses,
        404: responseRef('NotFound'),
        409: responseRef('Conflict'),
      },
    },
    cancel: {
      operationId: `${prefix}cancelTask`,
      summary: `Cancel a task${alias}`,
      tags: ['Tasks'],
      parameters: [taskIdParameter],
      responses: {
        200: { description: 'Cancelled.', content: json('Task') },
        202: { description: 'Cancel requested; the render has not stopped yet.', content: json('Task') },
        ...everyApiResponse,
        ...changeResponses,
        404: responseRef('NotFound'),
        409: responseRef('Conflict'),
      },
    },
  };
}

function mediaOperation(asset: 'content' | 'poster'): Operation {
  const type = asset === 'content' ? 'video/mp4' : 'image/jpeg';
  const fileHeaders = {
    'Last-Modified': headerRef('Last-Modified'), 'Cache-Control': headerRef('Cache-Control'), 'Accept-Ranges': headerRef('Accept-Ranges'),
  };
  const file = { [type]: { schema: { type: 'string' as const, contentMediaType: type } } };
  return {
    operationId: asset === 'content' ? 'getVideoContent' : 'getVideoPoster',
    summary: asset === 'content' ? 'Download or stream the MP4' : 'Download the JPEG poster',
    description: 'With the owner\'s credentials, or without any through a signed link (`expires`, `signature`: the video\'s contentUrl/posterUrl).',
    tags: ['Videos'],
    security: [{ bearerAuth: [] }, { signedLink: [] }, {}],
    parameters: [videoIdParameter, parameterRef('expires'), parameterRef('signature'), parameterRef('Range'),
      parameterRef('If-Modified-Since'), parameterRef('If-Unmodified-Since'), parameterRef('If-Range')],
    responses: {
      200: { description: `The whole ${type} file.`, headers: fileHeaders, content: file },
      206: { description: 'The requested byte range.', headers: { ...fileHeaders, 'Content-Range': headerRef('Content-Range') }, content: file },
      304: { description: 'Not modified: the client\'s copy (If-Modified-Since) is current.', headers: { 'Last-Modified': headerRef('Last-Modified') } },
      ...everyApiResponse,
      404: responseRef('NotFound'),
      412: { description: 'The file changed since If-Unmodified-Since.', content: { [problemMediaType]: { schema: { $ref: '#/components/schemas/Problem' } } } },
      416: {
        description: 'The Range is outside the file.',
        headers: { 'Content-Range': headerRef('Content-Range') },
        content: { [problemMediaType]: { schema: { $ref: '#/components/schemas/Problem' } } },
      },
    },
  };
}

function probe(path: 'healthz' | 'readyz'): Operation {
  const live = path === 'healthz';
  return {
    operationId: live ? 'liveness' : 'readiness',
    summary: live ? 'Liveness: 200 while the process lives' : 'Readiness: 200 once the server can serve and its database answers',
    description: 'Answers any Host (probes send an IP) and needs no credentials; served in every role, the worker\'s too.',
    tags: ['Probes'],
    security: [],
    responses: live
      ? { 200: { description: '`{"status":"ok"}`', content: json('Probe') }, ...parserRefusals }
      : {
        ...parserRefusals,
        200: { description: '`{"status":"ready"}`', content: json('Probe') },
        503: {
          description: '`starting` (or stopping), or `unavailable` when the database does not answer within 750 ms.',
          headers: { 'Retry-After': headerRef('Retry-After') },
          content: json('Probe'),
        },
      },
  };
}

const openApiOperation: Operation = {
  operationId: 'getOpenApiDocument',
  summary: 'This document',
  description: 'No credentials needed. A browsable page of it is at /docs.',
  tags: ['Meta'],
  security: [],
  responses: {
    200: { description: 'The OpenAPI 3.1 document.', content: { 'application/json': { schema: { type: 'object' } } } },
    ...parserRefusals,
    421: responseRef('MisdirectedRequest'),
    503: responseRef('Unavailable'),
  },
};

function taskPaths(base: string, prefix: string): Record<string, PathItem> {
  const { read, remove, cancel } = taskOperations(prefix);
  return { [`${base}/{id}`]: { get: read, delete: remove }, [`${base}/{id}/cancel`]: { post: cancel } };
}

export const paths: Record<string, PathItem> = {
  '/videos/tasks': { get: listTasks(), post: createVideoTask() },
  ...taskPaths('/videos/tasks', ''),
  ...taskPaths('/video/tasks', 'singular_'),
  '/videos': {
    get: {
      operationId: 'listVideos',
      summary: 'List the caller\'s videos, newest first',
      tags: ['Videos'],
      parameters: [parameterRef('limit'), parameterRef('cursor')],
      responses: { 200: { description: 'A page of videos.', headers: { Link: headerRef('Link') }, content: json('VideoPage') }, ...everyApiResponse },
    },
  },
  '/videos/{id}': {
    get: {
      operationId: 'getVideo',
      summary: 'Read a video',
      tags: ['Videos'],
      parameters: [videoIdParameter],
      responses: { 200: { description: 'The video, with its media links.', content: json('Video') }, ...everyApiResponse, 404: responseRef('NotFound') },
    },
    delete: {
      operationId: 'deleteVideo',
      summary: 'Delete a video (a DELETE_VIDEO task)',
      description: 'Answers at once with the deletion task; the video says `"status":"deleting"` until it is gone.',
      tags: ['Videos'],
      parameters: [videoIdParameter, parameterRef('Idempotency-Key')],
      responses: {
        202: accepted('The deletion task.'),
        ...everyApiResponse,
        ...changeResponses,
        404: responseRef('NotFound'),
        409: responseRef('Conflict'),
        422: responseRef('IdempotencyKeyReused'),
        429: responseRef('TooManyRequests'),
      },
    },
  },
  '/videos/{id}/content': { get: mediaOperation('content') },
  '/videos/{id}/poster': { get: mediaOperation('poster') },
  '/healthz': { get: probe('healthz') },
  '/readyz': { get: probe('readyz') },
  '/openapi.json': { get: openApiOperation },
};
