import type { Task, TaskKind, TaskStatus, Video } from '../generated/prisma/client.js';

export type { TaskKind, TaskStatus } from '../generated/prisma/client.js';

/** A task as every interface sees it: the row with its video, if any. */
export type TaskView = Task & { video: Video | null };

export const taskKinds: readonly TaskKind[] = ['CREATE_VIDEO', 'DELETE_VIDEO'];
export const taskStatuses: readonly TaskStatus[] = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];
export const terminalStatuses: readonly TaskStatus[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

export function isTerminal(status: TaskStatus): boolean {
  return terminalStatuses.includes(status);
}

export interface TaskErrorView {
  code: string;
  message: string;
  retryable: boolean;
}

export function taskError(task: Task): TaskErrorView | null {
  if (task.status !== 'FAILED' || task.errorCode === null) return null;
  return { code: task.errorCode, message: task.errorMessage ?? '', retryable: task.errorRetryable ?? false };
}

export interface ResourceView {
  name: string;
  links: { rel: string; href: string }[];
}

/** The resources a finished task created (the seed's list of {name, links}). */
export function taskResources(task: TaskView): ResourceView[] {
  if (task.status !== 'SUCCEEDED' || task.video === null) return [];
  return [{ name: task.video.title, links: [{ rel: 'self', href: `/videos/${task.video.id}` }] }];
}
