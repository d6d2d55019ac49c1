// The tasks the page knows, by id. Events, page reads and mutation answers all go through
// `apply`, which keeps a state only if its version is newer than the one held: a reconnect
// that replays states, or a page read racing an event, can neither duplicate a row nor step a
// task back in time.
import type { DashboardTask } from './taskTypes';

export interface TaskState {
  byId: ReadonlyMap<string, DashboardTask>;
  /** Ids removed here; a late event for one must not bring its row back. */
  removed: ReadonlySet<string>;
}

export type TaskAction =
  | { type: 'apply'; tasks: readonly DashboardTask[] }
  | { type: 'remove'; id: string };

export const emptyTaskState: TaskState = { byId: new Map(), removed: new Set() };

export function taskReducer(state: TaskState, action: TaskAction): TaskState {
  switch (action.type) {
    case 'apply': {
      let next: Map<string, DashboardTask> | null = null;
      for (const task of action.tasks) {
        if (state.removed.has(task.id)) continue;
        const held = (next ?? state.byId).get(task.id);
        if (held && held.version >= task.version) continue;
        next ??= new Map(state.byId);
        next.set(task.id, task);
      }
      return next ? { ...state, byId: next } : state;
    }
    case 'remove': {
      const byId = new Map(state.byId);
      byId.delete(action.id);
      return { byId, removed: new Set(state.removed).add(action.id) };
    }
  }
}

/** Newest first, as the server lists them (ties broken by id so the order never jitters). */
export function newestFirst(tasks: Iterable<DashboardTask>): DashboardTask[] {
  return [...tasks].sort((a, b) => (b.createdAt.localeCompare(a.createdAt)) || b.id.localeCompare(a.id));
}
