import type { Resolvers, TaskFilter as GraphQLTaskFilter } from '../generated/graphql.js';
import type { TaskFilter } from '../tasks/listing.js';
import { pollAfterSeconds } from '../tasks/pollHint.js';
import { TaskService } from '../tasks/taskService.js';
import { isTerminal, taskError, taskResources, type TaskView } from '../tasks/taskTypes.js';
import { videoLinks } from '../videos/videoTypes.js';
import { toConnection } from './connections.js';
import { DateTimeScalar } from './dateTimeScalar.js';

function taskFilter(filter: GraphQLTaskFilter | null | undefined): TaskFilter {
  return { statuses: filter?.status ?? undefined, kind: filter?.kind ?? undefined };
}

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    task: (_parent, { id }, { tasks }) => tasks.findTask(id),
    video: (_parent, { id }, { tasks }) => tasks.findVideo(id),
    tasks: async (_parent, { filter, first, after }, { tasks }) => toConnection(await tasks.listTasks(taskFilter(filter), { first, after }), after),
    videos: async (_parent, { first, after }, { tasks }) => toConnection(await tasks.listVideos({ first, after }), after),
    // Stops waiting when the operation's client leaves (abort.ts checks only before a field starts).
    waitForTask: (_parent, { id, timeoutSeconds }, { tasks, signal }) =>
      tasks.waitForTask(id, TaskService.checkWaitSeconds(timeoutSeconds ?? 30, 'timeoutSeconds') * 1000, signal),
  },
  Mutation: {
    createVideoTask: (_parent, { input, idempotencyKey }, { tasks }) => tasks.createVideoTask(input, { key: idempotencyKey, field: 'idempotencyKey' }),
    deleteVideoTask: (_parent, { videoId, idempotencyKey }, { tasks }) => tasks.deleteVideoTask(videoId, { key: idempotencyKey, field: 'idempotencyKey' }),
    cancelTask: (_parent, { id }, { tasks }) => tasks.cancelTask(id),
    removeTask: async (_parent, { id }, { tasks }) => {
      await tasks.removeTask(id);
      return id;
    },
  },
  Subscription: {
    taskUpdated: {
      subscribe: (_parent, { id, afterVersion }, { tasks }) => tasks.watch(id, afterVersion ?? 0),
      resolve: (task: TaskView) => task,
    },
    tasksUpdated: {
      subscribe: (_parent, { filter }, { tasks }) => tasks.watchAll(taskFilter(filter)),
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
    contentUrl: (video) => videoLinks(video.id).content,
    posterUrl: (video) => videoLinks(video.id).poster,
    links: (video) => {
      const links = videoLinks(video.id);
      return [
        { rel: 'self', href: links.self },
        { rel: 'content', href: links.content },
        { rel: 'poster', href: links.poster },
      ];
    },
    status: (video) => (video.deletingTaskId ? 'DELETING' : 'AVAILABLE'),
    deletionTask: (video, _args, { tasks }) => (video.deletingTaskId ? tasks.findTask(video.deletingTaskId) : null),
  },
};
