// Tasks as google.longrunning.Operation, videos as longrun.v1.Video. The operation's metadata
// packs longrun.v1.OperationMetadata; a CREATE_VIDEO that succeeded packs its Video in
// `response` (a DELETE_VIDEO, google.protobuf.Empty); a failed one has `error` (google.rpc.Status,
// with google.rpc.ErrorInfo naming the task's error code); a cancelled one, error CANCELLED.
import { status as grpcStatus } from '@grpc/grpc-js';
import type { TaskService } from '../tasks/taskService.js';
import { isTerminal, taskError, type TaskView } from '../tasks/taskTypes.js';
import type { MediaUrls } from '../videos/mediaLinks.js';
import type { VideoRecord } from '../videos/videoTypes.js';
import type { Operation, StatusMessage, Timestamp, VideoMessage } from './messages.js';
import { operationName, videoName } from './names.js';
import { packAny } from './protos.js';

export const errorDomain = 'longrun';

export function timestamp(date: Date): Timestamp {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

function optionalTimestamp(date: Date | null): Timestamp | null {
  return date ? timestamp(date) : null;
}

export function videoMessage(video: VideoRecord, links: MediaUrls): VideoMessage {
  return {
    name: videoName(video.id),
    id: video.id,
    title: video.title,
    plot: video.plot,
    duration_seconds: video.durationSeconds,
    width: video.width,
    height: video.height,
    fps: video.fps,
    size_bytes: video.sizeBytes,
    content_uri: links.content,
    poster_uri: links.poster,
    state: video.deletingTaskId ? 'DELETING' : 'AVAILABLE',
    create_time: timestamp(video.createdAt),
  };
}

function metadataMessage(task: TaskView, expiresAt: Date | null): Record<string, unknown> {
  return {
    kind: task.kind,
    status: task.status,
    progress: task.progress,
    stage: task.stage,
    attempts: task.attempts,
    version: task.version,
    create_time: timestamp(task.createdAt),
    update_time: timestamp(task.updatedAt),
    start_time: optionalTimestamp(task.startedAt),
    end_time: optionalTimestamp(task.finishedAt),
    cancel_requested: task.cancelRequestedAt !== null,
    expire_time: optionalTimestamp(expiresAt),
  };
}

/**
 * A failed task's error: INTERNAL for an unexpected failure, UNAVAILABLE when another try
 * could succeed, else UNKNOWN; the task's own error code is ErrorInfo.reason either way.
 */
function failure(task: TaskView): StatusMessage | null {
  const error = taskError(task);
  if (!error) return null;
  const code = error.code === 'INTERNAL' ? grpcStatus.INTERNAL : error.retryable ? grpcStatus.UNAVAILABLE : grpcStatus.UNKNOWN;
  return {
    code,
    message: error.message,
    details: [packAny('google.rpc.ErrorInfo', { reason: error.code, domain: errorDomain, metadata: { retryable: String(error.retryable) } })],
  };
}

export function operationMessage(task: TaskView, tasks: TaskService): Operation {
  const operation: Operation = {
    name: operationName(task.id),
    metadata: packAny('longrun.v1.OperationMetadata', metadataMessage(task, tasks.expiresAt(task))),
    done: isTerminal(task.status),
  };
  if (task.status === 'SUCCEEDED') {
    if (task.kind === 'CREATE_VIDEO' && task.video) {
      operation.response = packAny('longrun.v1.Video', { ...videoMessage(task.video, tasks.mediaUrls(task.video)) });
    } else {
      operation.response = packAny('google.protobuf.Empty', {});
    }
  } else if (task.status === 'CANCELLED') {
    operation.error = { code: grpcStatus.CANCELLED, message: 'The operation was cancelled.', details: [] };
  } else if (task.status === 'FAILED') {
    operation.error = failure(task) ?? { code: grpcStatus.UNKNOWN, message: 'The operation failed.', details: [] };
  }
  return operation;
}
