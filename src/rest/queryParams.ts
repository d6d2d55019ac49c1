// Query-string parsing for the REST lists and waits; bad values name the parameter.
import type { Request } from 'express';
import { ValidationError } from '../errors.js';
import type { TaskFilter } from '../tasks/listing.js';
import type { PageRequest } from '../tasks/paging.js';
import { taskKinds, type TaskKind, type TaskStatus } from '../tasks/taskTypes.js';

/** The REST status vocabulary (plus the detailed statuses) to the stored statuses. */
const statusWords: Record<string, TaskStatus[]> = {
  pending: ['PENDING', 'RUNNING'],
  running: ['RUNNING'],
  queued: ['PENDING'],
  done: ['SUCCEEDED'],
  succeeded: ['SUCCEEDED'],
  failed: ['FAILED'],
  cancelled: ['CANCELLED'],
};

function single(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ValidationError([{ field: name, message: 'must be given once', in: 'query' }]);
  return value;
}

export function integerParam(req: Request, name: string): number | undefined {
  const raw = single(req, name);
  if (raw === undefined) return undefined;
  if (!/^\d{1,9}$/.test(raw)) throw new ValidationError([{ field: name, message: 'must be a non-negative integer', in: 'query' }]);
  return Number(raw);
}

export function pageParams(req: Request): PageRequest {
  return { first: integerParam(req, 'limit'), after: single(req, 'cursor'), names: { first: 'limit', after: 'cursor' }, in: 'query' };
}

export function taskFilterParams(req: Request): TaskFilter {
  const filter: TaskFilter = {};
  const status = single(req, 'status');
  if (status !== undefined) {
    const words = status.split(',').map((word) => word.trim().toLowerCase());
    const unknown = words.filter((word) => !Object.hasOwn(statusWords, word));
    if (unknown.length > 0) {
      throw new ValidationError([{ field: 'status', message: `must be a comma-separated list of ${Object.keys(statusWords).join(', ')}`, in: 'query' }]);
    }
    // Repeats (and the overlap of pending with running) are removed once, by the service.
    filter.statuses = words.flatMap((word) => (Object.hasOwn(statusWords, word) ? statusWords[word] ?? [] : []));
  }
  const kind = single(req, 'kind')?.toUpperCase();
  if (kind !== undefined) {
    if (!taskKinds.includes(kind as TaskKind)) throw new ValidationError([{ field: 'kind', message: `must be one of ${taskKinds.join(', ')}`, in: 'query' }]);
    filter.kind = kind as TaskKind;
  }
  return filter;
}

/** The `Link: <...>; rel="next"` header value for the page after this one. */
export function nextLink(req: Request, nextCursor: string): string {
  const url = new URL(req.originalUrl, 'http://placeholder');
  url.searchParams.set('cursor', nextCursor);
  return `<${url.pathname}${url.search}>; rel="next"`;
}
