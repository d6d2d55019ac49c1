import { isTerminal, type TaskView } from './taskTypes.js';

/**
 * How long a poller should wait before asking again, from the task's stage; null once done.
 * Queued: 2 s. Waiting for a retry: until it is due (at most 60 s). Running: 1 s.
 */
export function pollAfterSeconds(task: TaskView, now = Date.now()): number | null {
  if (isTerminal(task.status)) return null;
  if (task.status === 'RUNNING') return 1;
  if (task.runAfter) return Math.min(60, Math.max(1, Math.ceil((task.runAfter.getTime() - now) / 1000)));
  return 2;
}
