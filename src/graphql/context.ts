import type { Caller } from '../auth/caller.js';
import type { TaskService } from '../tasks/taskService.js';

export interface GraphQLContext {
  tasks: TaskService;
  /** Who sent the operation (src/auth); every task call is made for it. */
  caller: Caller;
  /** Aborted once nobody waits for the operation's answer any more (see abort.ts). */
  signal: AbortSignal;
}
