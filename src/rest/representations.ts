// The REST shapes of tasks and videos. Status is the seed's vocabulary: pending (PENDING and
// RUNNING), done, failed, cancelled; progress and stage say more while pending.
import { pollAfterSeconds } from '../tasks/pollHint.js';
import { isTerminal, taskError, taskResources, type TaskView } from '../tasks/taskTypes.js';
import type { MediaUrls } from '../videos/mediaLinks.js';
import type { VideoRecord } from '../videos/videoTypes.js';

export type RestTaskStatus = 'pending' | 'done' | 'failed' | 'cancelled';

export function restStatus(task: TaskView): RestTaskStatus {
  switch (task.status) {
    case 'SUCCEEDED': return 'done';
    case 'FAILED': return 'failed';
    case 'CANCELLED': return 'cancelled';
    default: return 'pending';
  }
}

export function taskPath(id: string): string {
  return `/videos/tasks/${id}`;
}

export function taskBody(task: TaskView, expiresAt: Date | null): Record<string, unknown> {
  const error = taskError(task);
  return {
    id: task.id,
    kind: task.kind,
    status: restStatus(task),
    done: isTerminal(task.status),
    progress: task.progress,
    stage: task.stage,
    attempts: task.attempts,
    version: task.version,
    createdAt: task.createdAt.toISOString(),
    updatedAt: task.updatedAt.toISOString(),
    startedAt: task.startedAt?.toISOString() ?? null,
    finishedAt: task.finishedAt?.toISOString() ?? null,
    expiresAt: expiresAt?.toISOString() ?? null,
    pollAfterSeconds: pollAfterSeconds(task),
    cancelRequested: task.cancelRequestedAt !== null,
    ...(error ? { error } : {}),
    ...(task.status === 'SUCCEEDED' ? { resources: taskResources(task) } : {}),
    links: [
      { rel: 'self', href: taskPath(task.id) },
      ...(isTerminal(task.status) ? [] : [{ rel: 'cancel', href: `${taskPath(task.id)}/cancel`, method: 'POST' }]),
    ],
  };
}

/** `links`: the video's URLs, with signatures when authentication is on (TaskService.mediaUrls). */
export function videoBody(video: VideoRecord, links: MediaUrls): Record<string, unknown> {
  return {
    id: video.id,
    title: video.title,
    plot: video.plot,
    durationSeconds: video.durationSeconds,
    width: video.width,
    height: video.height,
    sizeBytes: video.sizeBytes,
    contentUrl: links.content,
    posterUrl: links.poster,
    status: video.deletingTaskId ? 'deleting' : 'available',
    createdAt: video.createdAt.toISOString(),
    links: [
      { rel: 'self', href: links.self },
      { rel: 'content', href: links.content, type: 'video/mp4' },
      { rel: 'poster', href: links.poster, type: 'image/jpeg' },
      ...(video.deletingTaskId ? [{ rel: 'deletion-task', href: taskPath(video.deletingTaskId) }] : []),
    ],
  };
}
