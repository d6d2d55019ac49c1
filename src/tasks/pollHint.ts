import { isTerminal, type TaskView } from './taskTypes.js';

/** How long a poller should wait before asking again, from the task's stage; null once done. */
export function pollAfterSeconds(task: TaskView): number | null {
  if (isTerminal(task.status)) return null;
  return task.status === 'PENDING' ? 2 : 1;
}
