import type { TaskView } from '../tasks/taskTypes.js';

export type TaskListener = (task: TaskView) => void;

/** A committed change of a task, as the database announced it (see taskChangeFeed.ts). */
export interface TaskChange {
  id: string;
  version: number;
  /** A cancel has been asked for (the running task must stop). */
  cancelRequested: boolean;
}

/**
 * The events seam: every committed change of a task, from any process on the database, in
 * version order per task. Changes are announced by the database itself (a trigger on the Task
 * table), so no writer publishes anything.
 */
export interface EventBus {
  /** Calls listener with the task as it is after each of its changes; returns the unsubscribe function. */
  subscribe(taskId: string, listener: TaskListener): () => void;
  /** The same for every task (feeds, dashboards). */
  subscribeAll(listener: TaskListener): () => void;
  /** The bare announcement of each change of one task, without reading it (a running task's cancel watch). */
  onChange(taskId: string, listener: (change: TaskChange) => void): () => void;
  /**
   * The task as it is now, read once for every caller that asks before the read starts: a
   * burst of subscribers to one task costs one read. Only reads that begin after the call are
   * shared, so a caller that subscribed first misses no change.
   */
  read(taskId: string): Promise<TaskView | null>;
  close(): Promise<void>;
}
