// The stream behind a feed subscription: every change of every task that matches a filter,
// for dashboards. A task that stops matching (RUNNING -> SUCCEEDED under a RUNNING filter)
// is sent once more, so the dashboard sees it leave. Versions never go backwards per task.
// A busy consumer gets the newest state of each changed task, in the order the tasks first
// changed, so memory grows with the number of tasks in flight, never with events.
import { isTerminal, type TaskView } from './taskTypes.js';

/** Finished tasks are remembered this long, to drop a stale event that arrives after the last. */
const finishedMemoryMs = 60_000;

export class FeedWatch implements AsyncIterableIterator<TaskView> {
  private readonly pending = new Map<string, TaskView>();
  /** Highest version accepted per unfinished task, and whether it matched the filter. */
  private readonly live = new Map<string, { version: number; inside: boolean }>();
  /** Two generations of finished tasks' last versions; the older one is dropped as a whole. */
  private finished = { current: new Map<string, number>(), previous: new Map<string, number>(), since: Date.now() };
  private done = false;
  private waiter: ((result: IteratorResult<TaskView>) => void) | null = null;

  constructor(private readonly matches: (task: TaskView) => boolean, private readonly unsubscribe: () => void) {}

  push(task: TaskView): void {
    if (this.done) return;
    const known = this.live.get(task.id);
    const lastVersion = known?.version ?? this.finished.current.get(task.id) ?? this.finished.previous.get(task.id) ?? 0;
    if (task.version <= lastVersion) return;
    const inside = this.matches(task);
    if (!inside && !known?.inside) return;
    this.remember(task, inside);
    this.pending.set(task.id, task);
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = null;
      resolve(this.take());
    }
  }

  next(): Promise<IteratorResult<TaskView>> {
    if (this.pending.size > 0) return Promise.resolve(this.take());
    if (this.done) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  return(): Promise<IteratorResult<TaskView>> {
    if (!this.done) {
      this.done = true;
      this.pending.clear();
      this.live.clear();
      this.unsubscribe();
      this.waiter?.({ done: true, value: undefined });
      this.waiter = null;
    }
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private remember(task: TaskView, inside: boolean): void {
    if (!isTerminal(task.status)) {
      this.live.set(task.id, { version: task.version, inside });
      return;
    }
    this.live.delete(task.id);
    if (Date.now() - this.finished.since > finishedMemoryMs) {
      this.finished = { current: new Map(), previous: this.finished.current, since: Date.now() };
    }
    this.finished.current.set(task.id, task.version);
  }

  private take(): IteratorResult<TaskView> {
    const [id, task] = this.pending.entries().next().value as [string, TaskView];
    this.pending.delete(id);
    return { done: false, value: task };
  }
}
