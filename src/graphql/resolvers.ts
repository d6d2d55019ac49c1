import type { Resolvers } from '../generated/graphql.js';
import { isTerminal, taskError, taskResources, type TaskView } from '../tasks/taskTypes.js';
import { videoLinks } from '../videos/videoTypes.js';
import { DateTimeScalar } from './dateTimeScalar.js';

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    task: (_parent, { id }, { tasks }) => tasks.findTask(id),
    video: (_parent, { id }, { tasks }) => tasks.findVideo(id),
  },
  Mutation: {
    createVideoTask: (_parent, { input }, { tasks }) => tasks.createVideoTask(input),
  },
  Subscription: {
    taskUpdated: {
      subscribe: (_parent, { id }, { tasks }) => tasks.watch(id),
      resolve: (task: TaskView) => task,
    },
  },
  Task: {
    done: (task) => isTerminal(task.status),
    error: (task) => taskError(task),
    resources: (task) => taskResources(task),
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
  },
};
