import type { TaskService } from '../tasks/taskService.js';

export interface GraphQLContext {
  tasks: TaskService;
  /** Aborted once nobody waits for the operation's answer any more (see abort.ts). */
  signal: AbortSignal;
}
