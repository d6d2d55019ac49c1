// The shapes the CLI reads from the server: the REST task and video bodies (README "REST") and
// the subscription's Task (schema.graphql). Only the fields the CLI uses are named.

export interface TaskErrorBody {
  code: string;
  message: string;
  retryable: boolean;
}

export interface Link {
  rel: string;
  href: string;
}

/** GET/POST /videos/tasks…: status is REST's vocabulary (pending covers queued and running). */
export interface RestTask {
  id: string;
  kind: string;
  status: 'pending' | 'done' | 'failed' | 'cancelled';
  done: boolean;
  progress: number;
  stage: string;
  attempts: number;
  createdAt: string;
  error?: TaskErrorBody;
  resources?: { name: string; links: Link[] }[];
}

export interface TaskPage {
  items: RestTask[];
  nextCursor: string | null;
}

export type TaskStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** One `taskUpdated` event: a whole snapshot of the task. */
export interface TaskSnapshot {
  id: string;
  kind: string;
  status: TaskStatus;
  done: boolean;
  progress: number;
  stage: string;
  attempts: number;
  version: number;
  cancelRequested: boolean;
  error: TaskErrorBody | null;
  video: { id: string; title: string; durationSeconds: number; width: number; height: number; sizeBytes: number } | null;
}

/** The selection the watcher subscribes with; it must match TaskSnapshot. */
export const taskSnapshotFields = `id kind status done progress stage attempts version cancelRequested
  error { code message retryable }
  video { id title durationSeconds width height sizeBytes }`;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A REST task body, checked enough that a wrong server (or URL) is reported, not crashed on. */
export function asRestTask(value: unknown): RestTask {
  if (!isRecord(value) || typeof value.id !== 'string' || typeof value.status !== 'string' || typeof value.stage !== 'string') {
    throw new TypeError('the answer is not a longrun task');
  }
  return value as unknown as RestTask;
}

export function asTaskPage(value: unknown): TaskPage {
  if (!isRecord(value) || !Array.isArray(value.items)) throw new TypeError('the answer is not a list of longrun tasks');
  return { items: value.items.map(asRestTask), nextCursor: typeof value.nextCursor === 'string' ? value.nextCursor : null };
}

export function asTaskSnapshot(value: unknown): TaskSnapshot {
  if (!isRecord(value) || typeof value.id !== 'string' || typeof value.status !== 'string' || typeof value.progress !== 'number') {
    throw new TypeError('the subscription sent something that is not a longrun task');
  }
  return value as unknown as TaskSnapshot;
}

/** The id of the video a finished REST task created (its resource's self link, /videos/<id>). */
export function videoIdOf(task: RestTask): string | null {
  const href = task.resources?.[0]?.links.find((link) => link.rel === 'self')?.href;
  return href ? decodeURIComponent(href.split('/').pop() ?? '') || null : null;
}
