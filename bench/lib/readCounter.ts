// Counts the app's reads of tasks by id without changing src/: every such read goes through
// TaskStore.find (one task with its video), TaskStore.findRow (one row: the worker's fallback
// before a claim, its check before publishing) or TaskStore.findMany (the event bus's shared
// reads: subscriptions' first state, re-reads after a change), so wrapping the three prototype
// methods in the process that builds the app counts them all. (src/ reads Task rows elsewhere only for lists,
// idempotency replays and start-up adoption, none of which a subscription touches.)
import { TaskStore } from '../../src/tasks/taskStore.js';

export interface TaskReads {
  /** Calls of TaskStore.find and TaskStore.findRow: one row each. */
  find: number;
  /** Calls of TaskStore.findMany: one query each, for any number of ids. */
  findMany: number;
  /** Ids asked for across those calls. */
  ids: number;
}

const counts: TaskReads = { find: 0, findMany: 0, ids: 0 };
let installed = false;

/** Wraps TaskStore's reads once per process; call before the app is built. */
export function countTaskReads(): void {
  if (installed) return;
  installed = true;
  const find = TaskStore.prototype.find;
  const findRow = TaskStore.prototype.findRow;
  const findMany = TaskStore.prototype.findMany;
  TaskStore.prototype.find = function countedFind(this: TaskStore, id: string) {
    counts.find++;
    counts.ids++;
    return find.call(this, id);
  };
  TaskStore.prototype.findRow = function countedFindRow(this: TaskStore, id: string) {
    counts.find++;
    counts.ids++;
    return findRow.call(this, id);
  };
  TaskStore.prototype.findMany = function countedFindMany(this: TaskStore, ids: string[]) {
    counts.findMany++;
    counts.ids += ids.length;
    return findMany.call(this, ids);
  };
}

/** The reads since the previous call (or since install), and starts counting afresh. */
export function takeTaskReads(): TaskReads {
  const taken = { ...counts };
  counts.find = 0;
  counts.findMany = 0;
  counts.ids = 0;
  return taken;
}
