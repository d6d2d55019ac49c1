// longrun.v1.Videos over TaskService: creating and deleting a video answer with an Operation;
// WatchOperation streams one operation until it is done.
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { ValidationError } from '../errors.js';
import type { TaskService } from '../tasks/taskService.js';
import { serverStream, unary, type CallEnvironment } from './calls.js';
import { pageRequest } from './listRequests.js';
import type {
  CreateVideoRequest, DeleteVideoRequest, GetVideoRequest, ListVideosRequest, ListVideosResponse, Operation, VideoMessage, WatchOperationRequest,
} from './messages.js';
import { taskIdOf, videoIdOf } from './names.js';
import { operationMessage, videoMessage } from './representations.js';

/**
 * request_id is the idempotency key REST reads from Idempotency-Key and GraphQL from
 * idempotencyKey: TaskService scopes it per caller and operation, so one key names one task
 * whichever interface used it first. Empty: none.
 */
function idempotency(requestId: string) {
  return { key: requestId === '' ? undefined : requestId, field: 'request_id' };
}

export function videosService(tasks: TaskService, env: CallEnvironment): UntypedServiceImplementation {
  return {
    CreateVideo: unary<CreateVideoRequest, Operation>(env, 'CreateVideo', async (request, { caller }) => {
      // proto3 cannot tell 0 from unset: 0 takes the default duration, as an absent field does over REST.
      const input = {
        title: request.title,
        plot: request.plot,
        ...(request.duration_seconds === 0 ? {} : { durationSeconds: request.duration_seconds }),
      };
      return operationMessage(await tasks.createVideoTask(caller, input, idempotency(request.request_id)), tasks);
    }),

    DeleteVideo: unary<DeleteVideoRequest, Operation>(env, 'DeleteVideo', async (request, { caller }) =>
      operationMessage(await tasks.deleteVideoTask(caller, videoIdOf(request.name), idempotency(request.request_id)), tasks)),

    GetVideo: unary<GetVideoRequest, VideoMessage>(env, 'GetVideo', async ({ name }, { caller }) => {
      const video = await tasks.getVideo(caller, videoIdOf(name));
      return videoMessage(video, tasks.mediaUrls(video));
    }),

    ListVideos: unary<ListVideosRequest, ListVideosResponse>(env, 'ListVideos', async (request, { caller }) => {
      const page = await tasks.listVideos(caller, pageRequest(request.page_size, request.page_token));
      return { videos: page.items.map((video) => videoMessage(video, tasks.mediaUrls(video))), next_page_token: page.nextCursor ?? '' };
    }),

    WatchOperation: serverStream<WatchOperationRequest, Operation>(env, 'WatchOperation', async (request, { caller, signal }, write) => {
      const afterVersion = Number(request.after_version);
      if (!Number.isSafeInteger(afterVersion) || afterVersion < 0) {
        throw new ValidationError([{ field: 'after_version', message: 'must be a non-negative integer' }]);
      }
      const watch = await tasks.watch(caller, taskIdOf(request.name), afterVersion);
      const stop = () => void watch.return?.();
      if (signal.aborted) stop();
      signal.addEventListener('abort', stop, { once: true });
      try {
        for await (const task of watch) {
          if (signal.aborted) break;
          await write(operationMessage(task, tasks));
        }
      } finally {
        signal.removeEventListener('abort', stop);
        stop();
      }
    }),
  };
}
