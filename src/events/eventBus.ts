import type { TaskView } from '../tasks/taskTypes.js';

export type TaskListener = (task: TaskView) => void;

/**
 * The events seam: every committed change of a task is published with its new version.
 * The embedded implementation is in-memory; a cross-process one (LISTEN/NOTIFY, Redis)
 * implements the same interface.
 */
export interface EventBus {
  publish(task: TaskView): void;
  /** Calls listener for every change of one task; returns the unsubscribe function. */
  subscribe(taskId: string, listener: TaskListener): () => void;
  /** Calls listener for every change of every task (feeds, dashboards). */
  subscribeAll(listener: TaskListener): () => void;
  close(): Promise<void>;
}
