import type { Resolvers, TaskFilter as GraphQLTaskFilter } from '../generated/graphql.js';
import type { TaskFilter } from '../tasks/listing.js';
import { pollAfterSeconds } from '../tasks/pollHint.js';
import { TaskService } from '../tasks/taskService.js';
import { isTerminal, taskError, taskResources, type TaskView } from '../tasks/taskTypes.js';
import { toConnection } from './connections.js';
import { DateTimeScalar } from './dateTimeScalar.js';

function taskFilter(filter: GraphQLTaskFilter | null | undefined): TaskFilter {
  return { statuses: filter?.status ?? undefined, kind: filter?.kind ?? undefined };
}

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    task: (_parent, { id }, { tasks, caller }) => tasks.findTask(caller, id),
    video: (_parent, { id }, { tasks, caller }) => tasks.findVideo(caller, id),
    tasks: async (_parent, { filter, first, after }, { tasks, caller }) => toConnection(await tasks.listTasks(caller, taskFilter(filter), { first, after }), after),
    videos: async (_parent, { first, after }, { tasks, caller }) => toConnection(await tasks.listVideos(caller, { first, after }), after),
    // Stops waiting when the operation's client leaves (abort.ts checks only before a field starts).
    waitForTask: (_parent, { id, timeoutSeconds }, { tasks, caller, signal }) =>
      tasks.waitForTask(caller, id, TaskService.checkWaitSeconds(timeoutSeconds ?? 30, 'timeoutSeconds') * 1000, signal),
  },
  Mutation: {
    createVideoTask: (_parent, { input, idempotencyKey }, { tasks, caller }) =>
      tasks.createVideoTask(caller, input, { key: idempotencyKey, field: 'idempotencyKey' }),
    deleteVideoTask: (_parent, { videoId, idempotencyKey }, { tasks, caller }) =>
      tasks.deleteVideoTask(caller, videoId, { key: idempotencyKey, field: 'idempotencyKey' }),
    cancelTask: (_parent, { id }, { tasks, caller }) => tasks.cancelTask(caller, id),
    removeTask: async (_parent, { id }, { tasks, caller }) => {
      await tasks.removeTask(caller, id);
      return id;
    },
  },
  Subscription: {
    taskUpdated: {
      subscribe: (_parent, { id, afterVersion }, { tasks, caller }) => tasks.watch(caller, id, afterVersion ?? 0),
      resolve: (task: TaskView) => task,
    },
    tasksUpdated: {
      subscribe: (_parent, { filter }, { tasks, caller }) => tasks.watchAll(caller, taskFilter(filter)),
      resolve: (task: TaskView) => task,
    },
  },
  Task: {
    done: (task) => isTerminal(task.status),
    error: (task) => taskError(task),
    resources: (task) => taskResources(task),
    pollAfterSeconds: (task) => pollAfterSeconds(task),
    cancelRequested: (task) => task.cancelRequestedAt !== null,
    expiresAt: (task, _args, { tasks }) => tasks.expiresAt(task),
  },
  Video: {
    contentUrl: (video, _args, { tasks }) => tasks.mediaUrls(video).content,
    posterUrl: (video, _args, { tasks }) => tasks.mediaUrls(video).poster,
    links: (video, _args, { tasks }) => {
      const links = tasks.mediaUrls(video);
      return [
        { rel: 'self', href: links.self },
        { rel: 'content', href: links.content },
        { rel: 'poster', href: links.poster },
      ];
    },
    status: (video) => (video.deletingTaskId ? 'DELETING' : 'AVAILABLE'),
    deletionTask: (video, _args, { tasks, caller }) => (video.deletingTaskId ? tasks.findTask(caller, video.deletingTaskId) : null),
  },
};
