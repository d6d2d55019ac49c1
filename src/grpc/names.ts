// Resource names (AIP-122): operations/{task id} and videos/{video id}. A name that does not
// parse is answered like an id that does not exist (NOT_FOUND), as REST answers a malformed id.
import { NotFoundError } from '../errors.js';

export function operationName(taskId: string): string {
  return `operations/${taskId}`;
}

export function videoName(videoId: string): string {
  return `videos/${videoId}`;
}

/** The task id in `operations/{id}`; NOT_FOUND for anything else. The service checks the id itself. */
export function taskIdOf(name: string): string {
  const match = /^operations\/([^/]+)$/.exec(name);
  if (!match?.[1]) throw new NotFoundError('task', name);
  return match[1];
}

export function videoIdOf(name: string): string {
  const match = /^videos\/([^/]+)$/.exec(name);
  if (!match?.[1]) throw new NotFoundError('video', name);
  return match[1];
}
